"""The store answers filtered lists from indexes kept in step with its writes: after any
sequence of the store's own changes (creates, updates, deletes, clones, fixture loads that
keep given timestamps) every filtered list is what a scan of the stored records gives."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.state.filters import FilterError, compile_filter
from mockserver.state.fixtures import load_fixtures
from mockserver.state.store import Store

TIERS = ("gold", "silver", None, 3, True)
FILTERS = [
    {"metadata": {"tier": "gold"}}, {"metadata": {"tier": {"in": ["gold", "3", "true"]}}},
    {"metadata": {"n": {"gte": 3}}}, {"metadata": {"n": {"lt": "5"}}}, {"is_active": True},
    {"created_at": {"gte": "2024-06-01T00:00:00Z"}}, {"OR": [{"metadata": {"tier": True}}, {"metadata": {"n": 1}}]},
    {"metadata": {"contains": {"tier": "silver"}}}, {"peer_id": "bob"}, {"token_count": {"gte": 2}},
]


def metadata(rng: random.Random) -> dict[str, Any]:
    return {"tier": rng.choice(TIERS), "n": rng.randrange(8)} if rng.random() < 0.9 else {}


def scanned(records: Any, filters: Any, resource: str) -> list[str]:
    predicate = compile_filter(filters, resource)
    return [r["id"] for r in records if predicate(r)]


def applies(filters: Any, resource: str) -> bool:
    try:
        compile_filter(filters, resource)
    except FilterError:  # a field this resource has not
        return False
    return True


def check(store: Store) -> None:
    workspace = store.workspaces["w"]
    for filters in FILTERS:
        for resource, listed, everything in (
            ("workspace", lambda f: store.list_workspaces(f), [w.record for w in store.workspaces.values()]),
            ("session", lambda f: store.list_sessions("w", f), [s.record for s in workspace.sessions.values()]),
            ("peer", lambda f: store.list_peers("w", f), [p.record for p in workspace.peers.values()]),
        ):
            if applies(filters, resource):
                assert [r["id"] for r in listed(filters)] == scanned(everything, filters, resource), (resource, filters)
        for sid, state in workspace.sessions.items():
            if applies(filters, "message"):
                assert ([r["id"] for r in store.list_messages("w", sid, filters)]
                        == scanned(state.messages.values(), filters, "message")), (sid, filters)


def step(store: Store, rng: random.Random, made: int) -> None:
    sessions = list(store.workspaces["w"].sessions)
    roll = rng.random()
    if roll < 0.2 or not sessions:
        store.get_or_create_session("w", f"s{made}", metadata(rng), peers={"alice": {}})
    elif roll < 0.35:
        store.update_session("w", rng.choice(sessions), metadata(rng), None)
    elif roll < 0.45:
        store.get_or_create_peer("w", rng.choice(("alice", "bob", f"p{made}")), metadata(rng))
    elif roll < 0.6:
        store.create_messages("w", rng.choice(sessions), [
            {"peer_id": rng.choice(("alice", "bob")), "content": "word " * rng.randrange(4), "metadata": metadata(rng)}
            for _ in range(rng.randint(1, 3))])
    elif roll < 0.7:
        sid = rng.choice(sessions)
        stored = list(store.workspaces["w"].sessions[sid].messages)
        if stored:
            store.update_message("w", sid, rng.choice(stored), metadata(rng))
    elif roll < 0.78:
        store.delete_session("w", rng.choice(sessions))
    elif roll < 0.85:
        store.clone_session("w", rng.choice(sessions))
    elif roll < 0.93:
        load_fixtures(store, {"workspaces": [{"id": "w", "created_at": f"2024-0{rng.randint(1, 9)}-01T00:00:00Z",
                                              "sessions": [{"id": rng.choice([*sessions, f"f{made}"]),
                                                            "created_at": f"2024-0{rng.randint(1, 9)}-01T00:00:00Z",
                                                            "metadata": metadata(rng),
                                                            "messages": [{"peer_id": "carol", "content": "hi",
                                                                          "id": f"given{made}"}]}]}]})
    else:
        store.update_workspace(rng.choice(("w", "v")), metadata(rng), None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_filtered_lists_follow_every_write(seed: int) -> None:
    rng = random.Random(seed)
    store = Store()
    store.get_or_create_workspace("w")
    for made in range(40):
        step(store, rng, made)
        if made % 8 == 7:
            check(store)
    check(store)
