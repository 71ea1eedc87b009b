"""A stateful mock of the Honcho v3 API, served from openapi.yaml.

The public names are imported on first use, so a light piece (`mockserver.http.serving` for the
bench's bare ceiling app, `mockserver.state.tokens`) can be imported without connexion.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

# connexion warns at import time about its own dependencies (starlette's TestClient wants httpx2; jsonschema's
# RefResolver is deprecated): notes for connexion's maintainers, noise in a user's terminal and errors in an
# app's test run under `-W error`. The warnings raised from connexion's modules are ignored (an app's
# own deprecated calls still warn); the pytest plugin ignores them again around its own first import, since
# pytest's `-W error` outranks filters set before a test runs.
DEPENDENCY_WARNINGS = r"connexion(\.|$)"
warnings.filterwarnings("ignore", module=DEPENDENCY_WARNINGS)


if TYPE_CHECKING:
    from mockserver.app import MockConfig, MockServer, create_app
    from mockserver.state.store import Store

__all__ = ["MockConfig", "MockServer", "Store", "create_app"]
_HOMES = {"MockConfig": ".app", "MockServer": ".app", "create_app": ".app", "Store": ".state.store"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name], __name__), name)
