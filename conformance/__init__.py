"""Conformance tester for implementations of the Honcho v3 API contract (openapi.yaml).

Entry points: `honcho-conformance` (conformance.cli), the pytest form
(conformance/pytest_suite.py) and the Locust file (conformance/locustfile.py); from Python,
the names below. See docs/conformance.md.

The public names are imported on first use, so that `import conformance` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .baseline import Baseline
    from .client import ASGIAppTransport
    from .config import RunConfig
    from .engine import Runner
    from .semantics import CheckContext, semantic_check
    from .vocabulary import Failure, RunResult

__all__ = ["ASGIAppTransport", "Baseline", "CheckContext", "Failure", "RunConfig", "RunResult", "Runner", "semantic_check"]
_HOMES = {"ASGIAppTransport": ".client", "Baseline": ".baseline", "CheckContext": ".semantics", "Failure": ".vocabulary",
          "RunConfig": ".config", "RunResult": ".vocabulary", "Runner": ".engine", "semantic_check": ".semantics"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name], __name__), name)
