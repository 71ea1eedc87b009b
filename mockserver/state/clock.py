"""Server-made ids and timestamps, reproducible when seeded.

Honcho makes 21-character nanoids (alphabet `A-Za-z0-9_-`) for messages, conclusions and
webhooks, and stamps records with UTC times. `--seed N` must make a whole run
reproducible, so both come from one object that can be seeded.
"""

from __future__ import annotations

import base64
import os
import random
import string
import time
from datetime import datetime, timedelta, timezone

NANOID_ALPHABET = string.ascii_letters + string.digits + "_-"
NANOID_SIZE = 21
SEEDED_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NAIVE_UNIX_EPOCH = datetime(1970, 1, 1)


class Clock:
    """Makes ids and strictly increasing UTC timestamps.

    Time is kept as whole microseconds since the Unix epoch: a stamp is a few integer steps
    and one format, where datetime arithmetic and `isoformat` cost ~2.5 µs per stamp
    (bench/results.md). The text of the current second is made once and reused."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self._random = random.Random(seed) if seed is not None else None
        self._last = _micros(SEEDED_EPOCH) if seed is not None else time.time_ns() // 1000
        self._unseeded_ids: list[str] = []
        self._second = -1  # the second whose text is `_second_text` ("YYYY-MM-DDTHH:MM:SS")
        self._second_text = ""

    def _tick(self) -> int:
        """The next moment in microseconds: a millisecond on when seeded, else the wall
        clock, never equal to or before the previous one."""
        candidate = self._last + 1000 if self._random is not None else time.time_ns() // 1000
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate

    def now(self) -> datetime:
        """The current time, never equal to or before the previous answer."""
        return _UNIX_EPOCH + timedelta(microseconds=self._tick())

    def stamp(self) -> str:
        """`now()` as the API writes it (`format_timestamp`'s text): records keep this text,
        so answers need no formatting."""
        second, micro = divmod(self._tick(), 1_000_000)
        if second != self._second:
            self._second_text = (_NAIVE_UNIX_EPOCH + timedelta(seconds=second)).isoformat()
            self._second = second
        return f"{self._second_text}.{micro:06d}Z" if micro else self._second_text + "Z"

    def reseed(self, salt: str) -> None:
        """A seeded run continued on restored state: a new id sequence, still reproducible."""
        if self._random is not None:
            self._random = random.Random(f"{self.seed}:{salt}")

    def continue_after(self, moment: datetime) -> None:
        """Never stamp anything at or before `moment` (the newest restored record)."""
        self._last = max(self._last, _micros(moment))

    def nanoid(self) -> str:
        if self._random is not None:
            return "".join(self._random.choice(NANOID_ALPHABET) for _ in range(NANOID_SIZE))
        if not self._unseeded_ids:  # one urandom call per 64 ids: a batch of messages is 10 ids
            self._unseeded_ids = _random_ids(64)
        return self._unseeded_ids.pop()


def _random_ids(count: int) -> list[str]:
    """`count` ids of 126 random bits: base64url (exactly the nanoid alphabet) turns each
    18 random bytes into 24 characters, of which an id keeps 21."""
    text = base64.urlsafe_b64encode(os.urandom(18 * count)).decode("ascii")
    return [text[start:start + NANOID_SIZE] for start in range(0, 24 * count, 24)]


def _micros(moment: datetime) -> int:
    """An aware datetime as whole microseconds since the Unix epoch (negative before 1970)."""
    return (moment - _UNIX_EPOCH) // timedelta(microseconds=1)
