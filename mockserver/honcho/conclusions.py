"""Conclusions: facts one peer holds about another, kept in `WorkspaceState.conclusions`.

The real server embeds every conclusion (without an embedding key it refuses to create
them); the mock stores them as given and answers semantic queries with text matching
(`mockserver.honcho.text_search.rank`). Records are in the contract's Conclusion shape:
`{id, content, observer_id, observed_id, session_id, created_at}`, and `level` where the
version has it (behaviour conclusion_level; `explicit`: made through the API, not dreamt).

- Every session a batch names must exist and be active, then every peer, as the real
  server looks them up before it creates anything: 404 `Session x not found in workspace
  w`, then `Peer x not found in workspace w` (the real server walks a set, so which one of
  several missing it names first is not defined; the mock names the first in the batch).
- A query needs the observer and observed among its `filters` (as `observer_id`/
  `observed_id`, or the real server's aliases `observer`/`observed`), like Honcho 3.0.7.
"""

from __future__ import annotations

from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

from mockserver.errors import ApiError
from mockserver.honcho.text_search import rank
from mockserver.state.filters import compile_filter
from mockserver.state.store import NotFound, Store

Record = dict[str, Any]
_ALIASES = {"observer": "observer_id", "observed": "observed_id"}


def create_conclusions(store: Store, workspace_id: str, items: Sequence[Mapping[str, Any]],
                       with_level: bool = True, check: Callable[[], None] | None = None) -> list[Record]:
    """Store a batch (one shared `created_at`) about peers and sessions that exist; NotFound
    (nothing stored) for the first session, then the first peer, that does not; then `check`
    (what else the version refuses), before anything is stored."""
    for session_id in dict.fromkeys(item.get("session_id") for item in items):
        if session_id is not None:
            store.require_session(workspace_id, session_id)
    for peer_id in dict.fromkeys(item[key] for item in items for key in ("observer_id", "observed_id")):
        if store.peer(workspace_id, peer_id) is None:
            raise NotFound(f"Peer {peer_id} not found in workspace {workspace_id}")
    if check is not None:
        check()
    workspace = store.workspaces[workspace_id]
    moment = store.clock.stamp()
    created = []
    for item in items:
        record = {"id": store.clock.nanoid(), "content": item["content"], "observer_id": item["observer_id"],
                  "observed_id": item["observed_id"], "session_id": item.get("session_id"), "created_at": moment}
        if with_level:
            record["level"] = "explicit"
        workspace.conclusions[record["id"]] = record
        created.append(record)
    return created


def list_conclusions(store: Store, workspace_id: str, filters: Any = None) -> list[Record]:
    """The workspace's conclusions that pass `filters` (resource "conclusion"), oldest first."""
    predicate = compile_filter(filters, "conclusion", store.filter_null_logic)
    workspace = store.workspace(workspace_id)
    records = list(workspace.conclusions.values()) if workspace else []
    if predicate is None:
        return records
    return [r for r in records if predicate(_filterable(r, workspace_id))]


def query_conclusions(store: Store, workspace_id: str, query: str, filters: Mapping[str, Any] | None,
                      top_k: int, distance: float | None) -> list[Record]:
    """The `top_k` filtered conclusions nearest to `query`; with `distance`, only those within it."""
    given = filters or {}
    if not all(any(isinstance(given.get(name), str) and given.get(name) for name in names)
               for names in (("observer_id", "observer"), ("observed_id", "observed"))):
        # The rule as openapi.yaml declares it (ConclusionQuery.filters): each peer by either name, a non-empty string.
        raise ApiError(422, "observer and observed must be specified for semantic search")
    normalized = {_ALIASES.get(key, key): value for key, value in given.items()}
    candidates = list_conclusions(store, workspace_id, normalized)
    return rank(candidates, query, lambda r: r["content"], limit=top_k, max_distance=distance, nearest=True)


def delete_conclusion(store: Store, workspace_id: str, conclusion_id: str) -> None:
    workspace = store.workspace(workspace_id)
    if workspace is None or conclusion_id not in workspace.conclusions:
        raise NotFound(f"Document {conclusion_id} not found or does not belong to workspace {workspace_id}")
    del workspace.conclusions[conclusion_id]


def conclusions_about(store: Store, workspace_id: str, observer: str, observed: str,
                      session_id: str | None = None, sessions: Collection[str] | None = None) -> list[Record]:
    """What `observer` has concluded about `observed` (in one session if given, in the
    `sessions` allowed if given), oldest first. A scope (3.1-preview) also holds the observed
    peer's own conclusions from its member sessions, as copied in when they joined."""
    workspace = store.workspace(workspace_id)
    records: Iterable[Record] = workspace.conclusions.values() if workspace else ()
    state = workspace.peers.get(observer) if workspace else None
    members = state.scope.members if state is not None and state.scope is not None else {}
    return [r for r in records if r["observed_id"] == observed
            and (r["observer_id"] == observer or r["observer_id"] == observed and r["session_id"] in members)
            and (session_id is None or r["session_id"] == session_id)
            and (sessions is None or r["session_id"] in sessions)]


def _filterable(record: Record, workspace_id: str) -> Record:
    """A conclusion with the one filterable column its API shape lacks: the workspace."""
    return {**record, "workspace_id": workspace_id}
