"""API keys with auth off (the default); with auth on, `auth.key_handler` is bound instead (app.py)."""

from __future__ import annotations

from ..errors import ApiError
from ..exchange import ParsedRequest, Reply
from ..state.store import Store
from .registry import operation


@operation("create_key_v3_keys_post", admin_only=True)
def create_key(store: Store, req: ParsedRequest) -> Reply:
    """With auth off the real server answers 405 `{"detail": "Feature is disabled"}`."""
    raise ApiError(405, "Feature is disabled")
