"""Text matching: the mock's stand-in for the real server's embeddings.

Without embeddings the real server searches messages by case-insensitive substring,
so message search does exactly that. Conclusion queries, representations and chat
need a *ranking* instead (semantic search returns the nearest items, not only exact
substrings): `relevance` scores the share of the query's words found in a text, 1.0
for a text holding the whole query, and `distance` is its complement, so the
contract's `distance`/`search_max_distance` thresholds keep their meaning.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from mockserver.timestamps import stamp_order

Record = dict[str, Any]
T = TypeVar("T")
_WORD = re.compile(r"\w+")


def terms(text: str) -> set[str]:
    """The lower-cased words of a text."""
    return set(_WORD.findall(text.lower()))


def contains(text: str, query: str) -> bool:
    """Case-insensitive substring match, as the real server's search without embeddings."""
    return query.lower() in text.lower()


def relevance(text: str, query: str) -> float:
    """1.0 when the text holds the query, else the share of the query's words it holds."""
    if query and contains(text, query):
        return 1.0
    wanted = terms(query)
    if not wanted:
        return 0.0
    return len(wanted & terms(text)) / len(wanted)


def newest_first(records: Iterable[Mapping[str, Any]]) -> list[Any]:
    """By `created_at`, newest first; records sharing a time keep newest-inserted first."""
    return sorted(reversed(list(records)), key=lambda r: stamp_order(r["created_at"]), reverse=True)


def search_messages(messages: Iterable[Record], query: str, predicate: Callable[[Record], bool] | None, limit: int) -> list[Record]:
    """Messages whose content holds `query` and that pass the filter, newest first."""
    found = [m for m in messages if contains(m["content"], query) and (predicate is None or predicate(m))]
    return newest_first(found)[:limit]


def rank(items: Sequence[T], query: str, text_of: Callable[[T], str], *, limit: int | None = None,
         max_distance: float | None = None, nearest: bool = False) -> list[T]:
    """Items that share words with the query, most relevant first (ties: later items first).
    `nearest`: as a vector search without a distance bound, every item is somewhere, so
    the `limit` nearest are answered even when they share no word (distance 1.0)."""
    scored = [(relevance(text_of(item), query), index, item) for index, item in enumerate(items)]
    kept = [(score, index, item) for score, index, item in scored
            if (score > 0 or (nearest and max_distance is None)) and (max_distance is None or 1.0 - score <= max_distance)]
    kept.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    ranked = [item for _, _, item in kept]
    return ranked if limit is None else ranked[:limit]
