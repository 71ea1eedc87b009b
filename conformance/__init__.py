"""Conformance tester for implementations of the Honcho v3 API contract (openapi.yaml).

The flow of a run, in the package's rooms: `cli/` parses the command line and picks the
reporters; `engine/` runs the `phases/` and the `semantics/` checks, which drive the server
through `honcho/` (its operations, workspaces and filter language) over `core/` (vocabulary,
options, the contract reader and route matcher, the confined client); failures travel as
events to `reporting/`. Beside the run: `drift/` (replay and diff) and `breaking/`. The
layers are declared once, in pyproject.toml (`[tool.importlinter]`), and held by a test.

Entry points: `honcho-conformance` (conformance.cli), the pytest form
(conformance/pytest_suite.py) and the Locust file (conformance/locustfile.py); from Python,
the names below. See docs/conformance.md.

The public names are imported on first use, so that `import conformance` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.core.baseline import Baseline
    from conformance.core.config import RunConfig
    from conformance.core.transports import ASGIAppTransport
    from conformance.core.vocabulary import Failure, RunResult
    from conformance.engine.runner import Runner
    from conformance.semantics import CheckContext, semantic_check

__all__ = ["ASGIAppTransport", "Baseline", "CheckContext", "Failure", "RunConfig", "RunResult", "Runner", "semantic_check"]
_HOMES = {"ASGIAppTransport": "conformance.core.transports", "Baseline": "conformance.core.baseline",
          "CheckContext": "conformance.semantics", "Failure": "conformance.core.vocabulary",
          "RunConfig": "conformance.core.config", "RunResult": "conformance.core.vocabulary",
          "Runner": "conformance.engine.runner", "semantic_check": "conformance.semantics"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
