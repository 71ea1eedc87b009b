"""Deletions a server may carry out later: a 202 means "accepted", not "done".

Honcho deletes a workspace in a background worker: the workspace stays listed until the
worker has run. A check that reads right after a 202 would call that "delete ignored";
instead it waits, bounded, for the deletion to show, and a deletion that never shows within
the wait is its own finding ("deletion still pending after N s"), distinct from a delete
that was answered as done (200, 204) and did nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

DEFAULT_WAIT = 10.0  # seconds a check waits after a 202 (--deletion-wait)
_FIRST_PAUSE = 0.05


@dataclass(frozen=True)
class Outcome:
    done: bool
    waited: float  # seconds spent waiting (0 when it was done at the first look)
    looks: int


def await_deletion(is_done: Callable[[], bool], accepted: bool, wait: float = DEFAULT_WAIT) -> Outcome:
    """Look until `is_done()`; after a 202 (`accepted`) keep looking, with growing pauses,
    for at most `wait` seconds. A deletion answered as done gets one look."""
    started = time.monotonic()
    pause, looks = _FIRST_PAUSE, 0
    while True:
        looks += 1
        if is_done():
            return Outcome(True, time.monotonic() - started, looks)
        left = wait - (time.monotonic() - started)
        if not accepted or left <= 0:
            return Outcome(False, time.monotonic() - started, looks)
        time.sleep(min(pause, left))
        pause = min(pause * 2, 1.0)


def pending_title(wait: float) -> str:
    return f"deletion still pending after {wait:g} s"
