"""Webhook delivery: POST each event to the workspace's endpoints, allow-listed hosts only.

Off unless the mock is started with `--webhook-allow HOST` (default: none), so a mock never
sends traffic anywhere it was not told to. Delivery runs as background tasks on the
server's event loop: a slow or dead receiver never delays an answer, and failures are
logged, not raised.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import httpx

from mockserver.state.store import Store

logger = logging.getLogger("mockserver.honcho.webhook_events")
TIMEOUT_SECONDS = 5.0


class WebhookDelivery:
    """An event listener of the store that sends events to allow-listed endpoints."""

    def __init__(self, store: Store, allowed_hosts: frozenset[str]) -> None:
        self.store = store
        self.allowed_hosts = frozenset(host.lower() for host in allowed_hosts)
        self.sent: list[tuple[str, int]] = []  # (url, status) of the latest deliveries, for tests and logs
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def allows(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return host in self.allowed_hosts

    def __call__(self, workspace_id: str, event: dict[str, Any]) -> None:
        workspace = self.store.workspace(workspace_id)
        if workspace is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside the server (fixture loading): nothing to deliver to
            return
        for endpoint in workspace.webhooks.values():
            if self.allows(endpoint["url"]):
                task = loop.create_task(self._post(endpoint["url"], event))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _post(self, url: str, event: dict[str, Any]) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)
        try:
            answer = await self._client.post(url, json=event)
        except httpx.HTTPError as exc:
            logger.warning("webhook delivery to %s failed: %s", url, exc)
            return
        self.sent.append((url, answer.status_code))
        del self.sent[:-100]
