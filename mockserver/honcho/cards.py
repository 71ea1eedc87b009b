"""Peer cards: the short list of facts an observer keeps about a peer (itself by default).

A peer's own card is `PeerState.card`; the card it keeps about another peer is
`PeerState.cards_about[target]`. Naming the observer itself as target means its own
card, as on the real server (observer == observed).
"""

from __future__ import annotations

from mockserver.state.store import NotFound, PeerState, Store


def require_peer(store: Store, workspace_id: str, peer_id: str) -> PeerState:
    state = store.peer(workspace_id, peer_id)
    if state is None:
        raise NotFound(f"Peer {peer_id} not found in workspace {workspace_id}")
    return state


def get_card(store: Store, workspace_id: str, observer: str, target: str | None = None) -> list[str] | None:
    """The observer's card about `target` (its own card without one); None when unset or unknown."""
    state = store.peer(workspace_id, observer)
    if state is None:
        return None
    if target is None or target == observer:
        return list(state.card) if state.card is not None else None
    card = state.cards_about.get(target)
    return list(card) if card is not None else None


def set_card(store: Store, workspace_id: str, observer: str, card: list[str], target: str | None = None) -> list[str]:
    """Replace the card; a missing observer is created, as a PUT on the peer would create it."""
    store.get_or_create_peer(workspace_id, observer)
    state = store.workspaces[workspace_id].peers[observer]
    if target is None or target == observer:
        state.card = list(card)
    else:
        state.cards_about[target] = list(card)
    return list(card)
