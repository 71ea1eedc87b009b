"""The rules around scope peers (mockserver/honcho/scopes.py), in the real server's words."""

from __future__ import annotations

import pytest

from mockserver.errors import ApiError
from mockserver.honcho import scopes
from mockserver.state.store import NotFound, Store


@pytest.fixture
def store() -> Store:
    store = Store()
    store.get_or_create_scope("w", "scope.work")
    store.get_or_create_peer("w", "alice")
    return store


def refusal(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as refused:
        call(*args)
    assert refused.value.status == 422
    return refused.value.detail


def test_observed_positions_refuse_scopes_and_reserved_names(store: Store) -> None:
    assert refusal(scopes.refuse_observed, store, "w", ["scope.work"], "Act.") == "Peer name(s) ['scope.work'] are scopes. Act."
    assert refusal(scopes.refuse_observed, store, "w", ["scope.b", "scope.a"], "Act.") == (
        "Peer name(s) ['scope.a', 'scope.b'] are in the reserved scope namespace and do not exist, "
        "so they may become scopes later. Act.")
    scopes.refuse_observed(store, "w", ["alice", "nobody"], "Act.")  # ordinary names: the caller's business


def test_other_positions_refuse_scopes_only(store: Store) -> None:
    assert refusal(scopes.refuse_scopes, store, "w", ["alice", "scope.work"], "Act.") == "Peer name(s) ['scope.work'] are scopes. Act."
    scopes.refuse_scopes(store, "w", ["scope.later"], "Act.")  # no scope yet: the create path judges it


def test_new_peer_names_are_listed(store: Store) -> None:
    assert refusal(scopes.refuse_new_peer_names, store, "w", ["b c", "alice", "a b"]) == \
        "Peer name(s) ['a b', 'b c'] must match pattern ^[a-zA-Z0-9_-]+$"
    assert refusal(scopes.refuse_new_peer_names, store, "w", ["scope.x", "a b"]) == \
        "Peer name(s) ['scope.x'] use the reserved scope prefix 'scope.'. Use the scopes routes to create scopes."
    assert refusal(scopes.refuse_new_peer_names, store, "w", ["a\x00"]) == "Peer name(s) must not contain NUL (0x00) bytes"
    scopes.refuse_new_peer_names(store, "w", ["alice", "scope.work", "new-one"])  # stored peers are not judged again


def test_resolving_scopes(store: Store) -> None:
    assert scopes.resolve(store, "w", ["work", "work"]) == ["scope.work"]
    with pytest.raises(NotFound, match="^Scope alice not found in workspace w$"):
        scopes.require_scope(store, "w", "alice")  # an ordinary peer is no scope, whatever its name
    store.get_or_create_session("w", "s1")
    store.get_or_create_session("w", "s2")
    store.get_or_create_scope("w", "scope.home")
    scopes.join(store, "w", "scope.work", ["s1", "s2"])
    scopes.join(store, "w", "scope.home", ["s2"])
    assert scopes.member_sessions(store, "w", ["home", "work"]) == ["s2", "s1"]
