"""The test world: the records the list checks page, order and filter, built for the run
(or, with --read-only, discovered on the server)."""

from __future__ import annotations

from typing import Any

from conformance.core.client import Reply
from conformance.honcho import api as A
from conformance.honcho import operations as ops
from conformance.honcho.api import HonchoApi
from conformance.honcho.filter_generator import sample_metadata
from conformance.semantics.context import CheckContext, Collection, World, short, words


# --------------------------------------------------------------------------- the world
def build_world(ctx: CheckContext) -> World:
    """Two workspaces with peers, sessions and messages carrying varied metadata."""
    world = World()
    api, rng = ctx.api, ctx.rng
    for tag in ("world", "world"):
        workspace_id, body = ctx.new_workspace(tag, sample_metadata(rng))
        world.workspaces.append(body)
    workspace_id = world.workspaces[0]["id"]
    for i in range(7):
        reply = api.create_peer(workspace_id, f"peer{i}", sample_metadata(rng))
        world.peers.append(ctx.expect_status(reply, 201, what="Creating a new peer"))
    for i in range(9):
        members = {p["id"]: {} for p in rng.sample(world.peers, rng.randint(0, 3))}
        reply = api.create_session(workspace_id, f"sess{i}", sample_metadata(rng), peers=members or None)
        world.sessions.append(ctx.expect_status(reply, 201, what="Creating a new session"))
        world.members[f"sess{i}"] = list(members)
    for session in world.sessions[:3]:
        created: list[dict[str, Any]] = []
        for _ in range(rng.randint(2, 4)):
            batch = [{"peer_id": rng.choice(world.peers)["id"], "content": words(rng, rng.randint(1, 6)),
                      "metadata": sample_metadata(rng)} for _ in range(rng.randint(1, 4))]
            reply = api.create_messages(workspace_id, session["id"], batch)
            body = ctx.expect_status(reply, 201, what="Adding messages")
            if not isinstance(body, list) or len(body) != len(batch):
                ctx.fail("message batch answer has the wrong length",
                         f"sent {len(batch)} messages, got {short(body)}", reply=reply, fatal=True)
            created += body
            world.members.setdefault(session["id"], []).extend(m["peer_id"] for m in batch)
        world.messages[session["id"]] = created
    world.collections = world_collections(api, world)
    return world


def world_collections(api: HonchoApi, world: World) -> list[Collection]:
    workspace_id = world.workspaces[0]["id"]
    own = [w["id"] for w in world.workspaces]
    base = {"id": {"in": own}}

    def workspaces(**kw: Any) -> Reply:
        filters = kw.pop("filters", A.UNSET)
        combined = base if filters is A.UNSET or filters is None else {"AND": [base, filters]}
        return api.list_workspaces(filters=combined, **kw)

    collections = [
        Collection(f"peers of {workspace_id}", "peer", ops.PEER_LIST, lambda **kw: api.list_peers(workspace_id, **kw),
                   world.peers),
        Collection(f"sessions of {workspace_id}", "session", ops.SESSION_LIST,
                   lambda **kw: api.list_sessions(workspace_id, **kw), world.sessions),
        Collection("workspaces of this run", "workspace", ops.WS_LIST, workspaces, world.workspaces),
    ]
    for session_id, messages in world.messages.items():
        collections.append(Collection(f"messages of {session_id}", "message", ops.MSG_LIST,
                                      lambda sid=session_id, **kw: api.list_messages(workspace_id, sid, **kw), messages))
    counts: dict[str, int] = {}
    for members in world.members.values():
        for peer_id in set(members):
            counts[peer_id] = counts.get(peer_id, 0) + 1
    if counts:
        busiest = max(sorted(counts), key=lambda p: counts[p])
        collections.append(Collection(f"sessions of peer {busiest}", "session", ops.PEER_SESSIONS,
                                      lambda pid=busiest, **kw: api.peer_sessions(workspace_id, pid, **kw)))
    return collections


def discover_world(ctx: CheckContext) -> World:
    """Read-only: collections over data that already exists on the server."""
    world = World()
    api = ctx.api
    body = ctx.page(api.list_workspaces(size=5), "Listing workspaces")
    collections: list[Collection] = [Collection("workspaces", "workspace", ops.WS_LIST, api.list_workspaces)]
    for workspace in [w for w in body["items"] if isinstance(w, dict) and w.get("id")][:2]:
        workspace_id = str(workspace["id"])
        collections.append(Collection(f"peers of {workspace_id}", "peer", ops.PEER_LIST,
                                      lambda wid=workspace_id, **kw: api.list_peers(wid, **kw)))
        collections.append(Collection(f"sessions of {workspace_id}", "session", ops.SESSION_LIST,
                                      lambda wid=workspace_id, **kw: api.list_sessions(wid, **kw)))
        sessions = ctx.page(api.list_sessions(workspace_id, size=1))["items"]
        if sessions and isinstance(sessions[0], dict) and sessions[0].get("id"):
            sid = str(sessions[0]["id"])
            collections.append(Collection(f"messages of {sid}", "message", ops.MSG_LIST,
                                          lambda wid=workspace_id, s=sid, **kw: api.list_messages(wid, s, **kw)))
    world.collections = collections
    return world


def full_list(ctx: CheckContext, collection: Collection) -> list[dict[str, Any]]:
    assert ctx.world is not None
    cached = ctx.world.full.get(collection.name)
    if cached is None:
        cached, _, _ = ctx.list_all(collection.fetch)
        ctx.world.full[collection.name] = cached
    return cached
