"""Generation that a seed alone decides.

Hypothesis (under schemathesis and the model phase) now and then draws a literal it found in
the source of "local" modules already imported: the tester's own modules, the user's, whatever
a test run imported before. Which modules those are depends on how the tester was installed
(a wheel in site-packages is not local, a checkout is) and on what the process imported
earlier (a second run in one process sees more). The same seed then generated other data, and
a failing run's seed did not reproduce it. Inside `steady_generation()` that pool is empty: the
draws depend on the seed and hypothesis' own constants only.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator

_lock = threading.Lock()
_depth = 0
_saved: Any = None


def _no_local_constants() -> Any:
    from hypothesis.internal.conjecture.providers import Constants

    return Constants()


@contextmanager
def steady_generation() -> Iterator[None]:
    """Hypothesis draws no literal from the source of imported modules inside the block."""
    global _depth, _saved
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # a hypothesis without the pool: nothing to steady
        yield
        return
    if not callable(getattr(providers, "_get_local_constants", None)):
        yield
        return
    with _lock:
        if _depth == 0:
            _saved = providers._get_local_constants
            providers._get_local_constants = _no_local_constants
            providers.CONSTANTS_CACHE.cache.clear()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                providers._get_local_constants = _saved
                providers.CONSTANTS_CACHE.cache.clear()
