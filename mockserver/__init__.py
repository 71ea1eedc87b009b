"""A stateful mock of the Honcho v3 API, served from openapi.yaml."""

from .app import MockConfig, MockServer, create_app
from .store import Store

__all__ = ["MockConfig", "MockServer", "Store", "create_app"]
