"""A deterministic token estimate for `token_count` and context budgets.

The real server counts with tiktoken, whose encodings are downloaded at run time; the mock
cannot fetch them, and the contract only needs a deterministic count that grows with the
text. Words count one token per started 6 letters (common words are one token, as in
tiktoken: "hello" -> 1, "hi alice" -> 2), numbers one per 3 digits, every other visible
character one.
"""

from __future__ import annotations

import re

_PIECES = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]|_")


def count_tokens(text: str) -> int:
    total = 0
    for match in _PIECES.finditer(text):
        piece = match.group()
        total += 1 + (len(piece) - 1) // 6 if piece[0].isalpha() else 1
    return total
