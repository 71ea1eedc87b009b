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
from datetime import datetime, timedelta, timezone

from mockserver.timestamps import format_timestamp

NANOID_ALPHABET = string.ascii_letters + string.digits + "_-"
NANOID_SIZE = 21
SEEDED_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Clock:
    """Makes ids and strictly increasing UTC timestamps."""

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self._random = random.Random(seed) if seed is not None else None
        self._last = SEEDED_EPOCH if seed is not None else datetime.now(timezone.utc)
        self._unseeded_ids: list[str] = []

    def now(self) -> datetime:
        """The current time, never equal to or before the previous answer."""
        if self._random is not None:
            candidate = self._last + timedelta(milliseconds=1)
        else:
            candidate = datetime.now(timezone.utc)
        if candidate <= self._last:
            candidate = self._last + timedelta(microseconds=1)
        self._last = candidate
        return candidate

    def stamp(self) -> str:
        """`now()` as the API writes it: records keep this text, so answers need no formatting."""
        return format_timestamp(self.now())

    def reseed(self, salt: str) -> None:
        """A seeded run continued on restored state: a new id sequence, still reproducible."""
        if self._random is not None:
            self._random = random.Random(f"{self.seed}:{salt}")

    def continue_after(self, moment: datetime) -> None:
        """Never stamp anything at or before `moment` (the newest restored record)."""
        if moment > self._last:
            self._last = moment

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
