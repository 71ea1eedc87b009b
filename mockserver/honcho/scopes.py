"""Scopes (3.1-preview): named sets of sessions that confine what recall may see.

As the real server builds them, a scope named `therapy` is a peer `scope.therapy` that
observes its member sessions (session config `observe_others: true, observe_me: false`)
and never speaks; the scopes routes show it without the prefix (`{id, metadata,
created_at}`). The dot keeps the name outside the id rule, so no client-made peer can be
one. What the API shows of that peer, and the rules around it:
- peer lists hide scope peers unless `kind` asks (`scope`, `all`), session peer lists never
  show them; `POST .../peers/scope.therapy/sessions` and its card are readable;
- a scope may observe but is never observed: a `scope.` name in an observed position (a
  representation, chat or context target, a card or dream about it) is 422, whether the
  scope exists yet or not; as an author, a session peer or the subject of a config it is
  422 when it is a scope;
- the missing scope is 404 `Scope x not found in workspace w`.
What a scope knows of a peer: the conclusions it holds itself, and the peer's own explicit
conclusions from its member sessions (what the real server copies in when a session joins
and derives from new messages after). Backfill of a joining session with messages is
completed at once, as the mock's work queue is: `{state: completed, updated_at,
docs_copied}`, with docs_copied the explicit conclusions of that session's speakers.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from mockserver.errors import ApiError
from mockserver.state.store import SCOPE_PREFIX, NotFound, Store

Record = dict[str, Any]
PEER_NAME_PATTERN = "^[a-zA-Z0-9_-]+$"
MAX_PEER_NAME = 512
MAX_ALLOWLIST = 1000  # sessions one recall may be confined to (shared with `filters.session_id`)
_PEER_NAME = re.compile(r"[a-zA-Z0-9_-]+").fullmatch

# what each refusal says after naming the peers (the real server's wording)
NOT_A_REPRESENTATION_OF = "No representation is formed of a scope, so a scope cannot be {what}."
USE_SCOPES_ROUTES = "Use the scopes routes to create scopes."
MEMBERSHIP_GUIDANCE = ("Scope membership is managed via the scopes routes "
                       "(/v3/workspaces/{workspace_id}/scopes/{scope_id}/sessions) or the `scopes` field at session creation.")


def scope_peer_id(name: str) -> str:
    return SCOPE_PREFIX + name


def is_reserved(name: str) -> bool:
    return name.startswith(SCOPE_PREFIX)


def scope_view(peer: Record) -> Record:
    """A scope as the scopes routes show it: its name without the prefix."""
    return {"id": peer["id"][len(SCOPE_PREFIX):], "metadata": peer["metadata"], "created_at": peer["created_at"]}


def is_scope(store: Store, workspace_id: str, peer_id: str) -> bool:
    state = store.peer(workspace_id, peer_id)
    return state is not None and state.scope is not None


def require_scope(store: Store, workspace_id: str, name: str) -> str:
    """The peer id of the scope `name`; 404 in the real server's words when there is none."""
    peer_id = scope_peer_id(name)
    if not is_scope(store, workspace_id, peer_id):
        raise NotFound(f"Scope {name} not found in workspace {workspace_id}")
    return peer_id


def resolve(store: Store, workspace_id: str, names: Iterable[str]) -> list[str]:
    """The scope peers of `names` (repeats once, first-named order); 404 for the first missing one."""
    return [require_scope(store, workspace_id, name) for name in dict.fromkeys(names)]


def member_sessions(store: Store, workspace_id: str, names: Iterable[str]) -> list[str]:
    """The union of the scopes' member sessions, in order: a recall allowlist (422 past its cap)."""
    union: dict[str, None] = {}
    for peer_id in resolve(store, workspace_id, names):
        union.update((record["id"], None) for record in store.scope_sessions(workspace_id, peer_id))
    if len(union) > MAX_ALLOWLIST:
        raise ApiError(422, f"The scopes' combined membership exceeds the maximum of {MAX_ALLOWLIST} sessions per request")
    return list(union)


# -- the guards around scope peers ---------------------------------------------------------
def refuse_impossible(names: Iterable[str]) -> None:
    """Names no peer can have, refused before anything is looked up (NUL bytes, over 512)."""
    names = tuple(names)
    if any("\x00" in name for name in names):
        raise ApiError(422, "Peer name(s) must not contain NUL (0x00) bytes")
    too_long = sorted({name for name in names if len(name) > MAX_PEER_NAME})
    if too_long:
        raise ApiError(422, f"Peer name(s) {too_long} must be at most {MAX_PEER_NAME} characters")


def refuse_scopes(store: Store, workspace_id: str, names: Iterable[str], action: str) -> None:
    """Where a scope may not stand (an author, a session peer): 422 when a name is a scope."""
    names = tuple(names)
    refuse_impossible(names)
    found = sorted({n for n in names if is_reserved(n) and is_scope(store, workspace_id, n)})
    if found:
        raise ApiError(422, f"Peer name(s) {found} are scopes. {action}")


def refuse_observed(store: Store, workspace_id: str, names: Iterable[str], action: str) -> None:
    """Where a scope would be observed: 422 for a scope, and for a `scope.` name that is none
    yet (it could become one)."""
    names = tuple(names)
    refuse_impossible(names)
    reserved = sorted({n for n in names if is_reserved(n)})
    found = [n for n in reserved if is_scope(store, workspace_id, n)]
    if found:
        raise ApiError(422, f"Peer name(s) {found} are scopes. {action}")
    if reserved:
        raise ApiError(422, f"Peer name(s) {reserved} are in the reserved scope namespace and do not exist, "
                            f"so they may become scopes later. {action}")


def refuse_new_peer_names(store: Store, workspace_id: str, names: Iterable[str]) -> None:
    """Peers a request would create (authors, session peers, a path peer) must have names the API
    accepts: 422 naming every one refused (the reserved prefix first, then the id rule)."""
    names = tuple(names)
    refuse_impossible(names)
    new = [n for n in dict.fromkeys(names) if store.peer(workspace_id, n) is None]
    reserved = sorted({n for n in new if is_reserved(n)})
    if reserved:
        raise ApiError(422, f"Peer name(s) {reserved} use the reserved scope prefix '{SCOPE_PREFIX}'. {USE_SCOPES_ROUTES}")
    offenders = sorted({n for n in new if not _PEER_NAME(n)})
    if offenders:
        raise ApiError(422, f"Peer name(s) {offenders} must match pattern {PEER_NAME_PATTERN}")


# -- membership and backfill -----------------------------------------------------------------
def join(store: Store, workspace_id: str, peer_id: str, session_ids: Iterable[str]) -> None:
    """Sessions join the scope; each that already has messages is backfilled (at once)."""
    session_ids = list(session_ids)
    store.join_scope(workspace_id, peer_id, session_ids)
    facts = store.workspaces[workspace_id].peers[peer_id].scope
    assert facts is not None
    for session_id in session_ids:
        session = store.workspaces[workspace_id].sessions[session_id]
        if session.messages:
            facts.backfill[session_id] = {"state": "completed", "updated_at": store.clock.now().isoformat(),
                                          "docs_copied": _copied(store, workspace_id, session_id)}


def leave(store: Store, workspace_id: str, peer_id: str, session_id: str) -> None:
    """The session leaves the scope; its backfill entry goes with it (a re-join starts afresh)."""
    store.leave_scope(workspace_id, peer_id, session_id)
    facts = store.workspaces[workspace_id].peers[peer_id].scope
    assert facts is not None
    facts.backfill.pop(session_id, None)


def _copied(store: Store, workspace_id: str, session_id: str) -> int:
    """The explicit conclusions a backfill copies: each speaker's own, made in that session."""
    workspace = store.workspaces[workspace_id]
    return sum(1 for c in workspace.conclusions.values()
               if c["session_id"] == session_id and c["observer_id"] == c["observed_id"])
