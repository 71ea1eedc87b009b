"""Fresh workspaces for a run, and removing them again at the end.

Every write of a run lands in a workspace whose id starts with the run prefix;
`RunWorkspaces` remembers each one handed out (and each one schemathesis was steered into).
Clean-up deletes them: their sessions first (a workspace with active sessions cannot be
deleted), then the workspace, and reports what could not be removed.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from typing import Iterable

from conformance.core.client import (
    Budget,
    BudgetExceeded,
    OutsideBaseURL,
    TransportFailure,
)
from conformance.core.vocabulary import CleanupReport
from conformance.honcho.api import HonchoApi
from conformance.honcho.deletion import DEFAULT_WAIT, await_deletion

MAX_DISCOVERY_PAGES = 20
VALID_ID = re.compile(r"^[a-zA-Z0-9_-]{1,512}$")


class RunWorkspaces:
    """The workspaces of one run: ids under its prefix, remembered for clean-up; thread-safe."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._ids: set[str] = set()
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._mark = ""

    def new_id(self, tag: str) -> str:
        with self._lock:
            workspace_id = f"{self.prefix}-{tag}-{self._mark}{next(self._counter)}"
            self._ids.add(workspace_id)
        return workspace_id

    def for_client(self, index: int) -> "RunWorkspaces":
        """One parallel client's share: the same workspaces remembered for clean-up, numbered on
        their own (`...-c2n1`), so the ids a client uses do not depend on how clients interleave
        and a seeded run sends the same requests again."""
        share = RunWorkspaces(self.prefix)
        share._ids, share._lock, share._mark = self._ids, self._lock, f"c{index}n"
        return share

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
            only_listed: bool = False, deletion_wait: float = DEFAULT_WAIT,
            accepted_before: Iterable[str] = ()) -> CleanupReport:
    """Delete every workspace of the run (never one outside the prefix).

    `only_listed` (read-only runs): delete only what the server lists, so that a run which
    created nothing sends no write at all. An id the run handed out but the server never
    created answers 404: it is not blamed. A 202 is an accepted deletion; it is confirmed
    when the workspace is no longer listed (waiting up to `deletion_wait` seconds), and
    reported as pending otherwise. A 5xx is retried. A workspace whose deletion the run
    already saw accepted (`accepted_before`) is not deleted again, only confirmed gone: a
    second DELETE of a deletion under way is no request a client makes (Honcho 3.0.7 answers
    it 500 from a stale cache).
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
        accepted: list[str] = []
        earlier = set(accepted_before)
        for workspace_id in sorted(targets):
            if workspace_id in earlier:  # accepted during the run: only confirmed below
                report.workspaces_found += 1
                accepted.append(workspace_id)
                continue
            try:
                outcome = _delete_workspace(api, workspace_id, report)
            except (TransportFailure, OutsideBaseURL) as exc:
                report.errors.append(f"{workspace_id}: {exc}")
                outcome = "failed"
            if outcome == "absent":
                continue
            report.workspaces_found += 1
            if outcome == "done":
                report.workspaces_deleted += 1
            elif outcome == "accepted":
                accepted.append(workspace_id)
            else:
                report.leftovers.append(workspace_id)
        report.workspaces_accepted = len(accepted)
        if accepted:
            _confirm(api, prefix, accepted, report, deletion_wait)
    except BudgetExceeded as exc:
        report.errors.append(f"clean-up stopped: {exc}")
    return report


def _confirm(api: HonchoApi, prefix: str, accepted: list[str], report: CleanupReport, wait: float) -> None:
    """Accepted deletions are confirmed once the server no longer lists them."""
    still: set[str] = set(accepted)

    def done() -> bool:
        try:
            listed = discover(api, prefix)
        except (TransportFailure, OutsideBaseURL):
            return False
        still.intersection_update(listed)
        return not still

    await_deletion(done, accepted=True, wait=wait)
    report.workspaces_deleted += len(accepted) - len(still)
    report.pending = sorted(still)


def _delete_workspace(api: HonchoApi, workspace_id: str, report: CleanupReport) -> str:
    """"done", "accepted" (202), "absent" (404: never created, or already gone) or "failed"."""
    server_errors = 0
    for _ in range(6):
        for session_id in sorted(_session_ids(api, workspace_id)):  # an order of our own: the same on every run
            reply = api.delete_session(workspace_id, session_id)
            if reply.status in (200, 202, 204):
                report.sessions_deleted += 1
        reply = api.delete_workspace(workspace_id)
        if reply.status == 202:
            return "accepted"
        if reply.status in (200, 204):
            return "done"
        if reply.status == 404:
            return "absent"
        if reply.status is not None and reply.status >= 500 and server_errors < 2:
            server_errors += 1
            time.sleep(0.2 * server_errors)
            continue
        if reply.status != 409:
            report.errors.append(f"{workspace_id}: DELETE answered {reply.status}")
            return "failed"
    return "failed"
