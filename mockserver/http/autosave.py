"""Saving the state file after writes: the HTTP side of `--state-file` (state/state_file.py)."""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.state.state_file import StateFile
from mockserver.state.store import Store

logger = logging.getLogger("mockserver")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PersistenceMiddleware:
    """Marks the state dirty after requests that may change it; runs the saver in the lifespan."""

    def __init__(self, app: ASGIApp, state_file: StateFile, store: Store) -> None:
        self.app = app
        self.state_file = state_file
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
        elif scope["type"] == "http" and scope.get("method") not in SAFE_METHODS:
            state_file = self.state_file

            async def send_marking(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    state_file.dirty = True  # the handler has run: its changes are in the store
                await send(message)

            try:
                await self.app(scope, receive, send_marking)
            finally:
                state_file.dirty = True
        else:
            await self.app(scope, receive, send)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        state_file, store = self.state_file, self.store

        async def receive_stopping() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                try:
                    await state_file.stop()  # in-flight requests are done: the last save
                except Exception:
                    logger.exception("honcho-mock: could not save the state to %s on shutdown", state_file.path)
            return message

        async def send_starting(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete":
                state_file.start(store)
            await send(message)

        await self.app(scope, receive_stopping, send_starting)
