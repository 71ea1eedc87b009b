"""The observer limit of a session: at most 10 peers with `observe_others` set to true.

As the real server counts them (SESSION_OBSERVERS_LIMIT), before anything changes:
- a session created with peers, and `PUT .../peers` (the set replaces them all): the
  observers the request names;
- peers added to an existing session (`POST .../peers`, or a create naming an existing
  session): the request's observers plus the session's active observers it does not name,
  counted only when the request names an observer;
- a peer's config set to `observe_others: true` when it is not an observer yet: the other
  active observers plus one.
Past the limit: 400 `Cannot create session s with N observers. Maximum allowed is 10
observers per session. Observers are peers with 'observe_others' set to true.` (recorded on
3.0.7 and 3.0.12), N being the count above. A scope observing the session (3.1-preview) is
no observer here: it costs the real server no derivation, and the limit is on those.
"""

from __future__ import annotations

from typing import Any, Mapping

from mockserver.errors import ApiError
from mockserver.state.store import Store

SESSION_OBSERVERS_LIMIT = 10
PeerConfigs = Mapping[str, Mapping[str, Any] | None]


def check_peers_joining(store: Store, workspace_id: str, session_id: str, peers: PeerConfigs | None) -> None:
    """Peers added to a session (created if new): the limit over the observers it will have."""
    named = _observers(peers or {})
    workspace = store.workspaces.get(workspace_id)
    if workspace is not None and session_id in workspace.deleted_sessions:
        return  # a deleted session is not found (404) before any peer is counted
    session = store.session(workspace_id, session_id)
    if session is None:
        _within(session_id, named)
    elif named:
        others = sum(1 for peer_id, config in session.peers.items()
                     if peer_id not in (peers or {}) and peer_id not in workspace.scopes and _observes(config))
        _within(session_id, others + named)


def check_peers_set(session_id: str, peers: PeerConfigs) -> None:
    """The whole set of a session's peers replaced: the limit over the set's observers."""
    _within(session_id, _observers(peers))


def check_config_set(store: Store, workspace_id: str, session_id: str, peer_id: str, config: Mapping[str, Any]) -> None:
    """A peer's session config changed: the limit when it becomes an observer."""
    session = store.session(workspace_id, session_id)
    if not config.get("observe_others") or session is None:
        return
    current = session.peers.get(peer_id) or session.left.get(peer_id)
    if current is not None and _observes(current):
        return
    scopes = store.workspaces[workspace_id].scopes
    _within(session_id, 1 + sum(1 for other, held in session.peers.items()
                                if other != peer_id and other not in scopes and _observes(held)))


def _observers(peers: PeerConfigs) -> int:
    return sum(1 for config in peers.values() if _observes(config))


def _observes(config: Mapping[str, Any] | None) -> bool:
    return bool(config and config.get("observe_others"))


def _within(session_id: str, observers: int) -> None:
    if observers > SESSION_OBSERVERS_LIMIT:
        raise ApiError(400, f"Cannot create session {session_id} with {observers} observers. Maximum allowed is "
                            f"{SESSION_OBSERVERS_LIMIT} observers per session. Observers are peers with 'observe_others' "
                            "set to true.")
