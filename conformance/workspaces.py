"""Fresh workspaces for a run, and removing them again at the end.

Every write of a run lands in a workspace whose id starts with the run prefix; the
registry remembers each one handed out (and each one schemathesis was steered into).
Clean-up deletes them: their sessions first (a workspace with active sessions cannot be
deleted), then the workspace, and reports what could not be removed.
"""

from __future__ import annotations

import itertools
import re
import threading
from typing import Iterable

from .api import HonchoApi
from .client import Budget, BudgetExceeded, OutsideBaseURL, TransportFailure
from .vocabulary import CleanupReport

MAX_DISCOVERY_PAGES = 20
VALID_ID = re.compile(r"^[a-zA-Z0-9_-]{1,512}$")


class WorkspaceRegistry:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._ids: set[str] = set()
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new_id(self, tag: str) -> str:
        with self._lock:
            workspace_id = f"{self.prefix}-{tag}-{next(self._counter)}"
            self._ids.add(workspace_id)
        return workspace_id

    def add(self, workspace_id: str) -> None:
        if workspace_id.startswith(self.prefix):
            with self._lock:
                self._ids.add(workspace_id)

    def owns(self, workspace_id: str) -> bool:
        return workspace_id.startswith(self.prefix)

    @property
    def ids(self) -> set[str]:
        with self._lock:
            return set(self._ids)


def _items(reply) -> list[dict]:  # type: ignore[no-untyped-def]
    data = reply.json()
    if reply.status == 200 and isinstance(data, dict) and isinstance(data.get("items"), list):
        return [i for i in data["items"] if isinstance(i, dict)]
    return []


def discover(api: HonchoApi, prefix: str) -> set[str]:
    """Workspaces of this run that the server lists (by filter, and by walking pages)."""
    found: set[str] = set()
    reply = api.list_workspaces(size=100, filters={"id": {"contains": prefix}})
    found |= {str(i.get("id")) for i in _items(reply) if str(i.get("id", "")).startswith(prefix)}
    for page in range(1, MAX_DISCOVERY_PAGES + 1):
        reply = api.list_workspaces(page=page, size=100)
        items = _items(reply)
        found |= {str(i.get("id")) for i in items if str(i.get("id", "")).startswith(prefix)}
        if len(items) < 100:
            break
    return found


def _session_ids(api: HonchoApi, workspace_id: str) -> list[str]:
    ids: list[str] = []
    for page in range(1, 200):
        items = _items(api.list_sessions(workspace_id, page=page, size=100))
        ids += [str(i.get("id")) for i in items if i.get("id")]
        if len(items) < 100:
            break
    return ids


def cleanup(api: HonchoApi, prefix: str, known: Iterable[str], max_requests: int = 20000,
            only_listed: bool = False) -> CleanupReport:
    """Delete every workspace of the run (never one outside the prefix).

    `only_listed` (read-only runs): delete only what the server lists, so that a run which
    created nothing sends no write at all.
    """
    report = CleanupReport(prefix=prefix)
    api.client.budget = Budget(max_requests=max_requests)
    try:
        # Ids a server must refuse are only cleaned when it listed them (it accepted them after all).
        targets = set() if only_listed else {w for w in known if w.startswith(prefix) and VALID_ID.match(w)}
        try:
            targets |= discover(api, prefix)
        except (TransportFailure, OutsideBaseURL) as exc:
            report.errors.append(f"listing workspaces failed: {exc}")
        report.workspaces_found = len(targets)
        for workspace_id in sorted(targets):
            try:
                deleted = _delete_workspace(api, workspace_id, report)
            except (TransportFailure, OutsideBaseURL) as exc:
                report.errors.append(f"{workspace_id}: {exc}")
                deleted = False
            if deleted:
                report.workspaces_deleted += 1
            else:
                report.leftovers.append(workspace_id)
    except BudgetExceeded as exc:
        report.errors.append(f"clean-up stopped: {exc}")
    return report


def _delete_workspace(api: HonchoApi, workspace_id: str, report: CleanupReport) -> bool:
    for _ in range(3):
        for session_id in _session_ids(api, workspace_id):
            reply = api.delete_session(workspace_id, session_id)
            if reply.status in (200, 202, 204):
                report.sessions_deleted += 1
        reply = api.delete_workspace(workspace_id)
        if reply.status in (200, 202, 204):
            return True
        if reply.status == 404 and workspace_id not in discover(api, workspace_id):
            return True  # already gone (a check deleted it): Honcho answers 404 `Workspace x not found`
        if reply.status != 409:
            report.errors.append(f"{workspace_id}: DELETE answered {reply.status}")
            return False
    return False
