"""Scopes, where the version has them (the 3.1 preview: its contract has the scope operations).

A scope is a named set of sessions that confines recall: get-or-create answers 201 then 200, a
scope is listed and read back by its unprefixed name, sessions join and leave it, its status maps
the sessions it backfilled, a missing scope is 404 `Scope x not found in workspace w`, and search,
session context and the representation given a scope see nothing of a session that never was a
member. (The real server also lets a scope see sessions that left it, by design: what a scope
recalls after a removal is not judged.)
"""

from __future__ import annotations

from typing import Any

from conformance.core.client import Reply
from conformance.honcho import operations as ops
from conformance.semantics.context import CheckContext, ids, short
from conformance.semantics.recall_checks import make_conclusions, representation_text
from conformance.semantics.refusals import expect_refused
from conformance.semantics.registry import semantic_check
from conformance.semantics.version_needs import operations

SCOPES = operations(*ops.SCOPE_OPERATIONS, what="scope operations")
SCOPE_PEER_PREFIX = "scope."  # the peer behind a scope, as peer lists with `kind` show it
BACKFILL_STATES = {"pending", "completed", "failed"}


def missing_scope(workspace_id: str, name: str) -> str:
    return f"Scope {name} not found in workspace {workspace_id}"


def _scope_body(ctx: CheckContext, reply: Reply, status: int, name: str, what: str) -> dict[str, Any]:
    body = ctx.expect_status(reply, status, what=what)
    ctx.check(isinstance(body, dict) and body.get("id") == name and isinstance(body.get("created_at"), str),
              "scope answer is not the scope", f"expected the scope {name!r} (unprefixed), answered {short(body)}",
              reply=reply, fatal=True)
    return body


def _members(ctx: CheckContext, workspace_id: str, name: str, *, reverse: bool | None = None) -> list[str]:
    items, _, _ = ctx.list_all(lambda **kw: ctx.api.scope_sessions(workspace_id, name, page=kw["page"], size=kw["size"],
                                                                  reverse=kw["reverse"]), reverse=reverse)
    return ids(items)


def _sessions(ctx: CheckContext, workspace_id: str, *session_ids: str, scopes: list[str] | None = None) -> None:
    for session_id in session_ids:
        reply = ctx.api.create_session(workspace_id, session_id, peers={"alice": {}}, scopes=scopes)
        ctx.expect_status(reply, 201, what="Creating a session")


@semantic_check("scope_get_or_create", "a scope is created (201) then got (200, metadata replaced), read back and "
                "listed by its unprefixed name, hidden from peer lists unless `kind` asks; a missing scope is 404 "
                "`Scope x not found in workspace w` on every scope route", applies=SCOPES)
def scope_get_or_create(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id, _ = ctx.new_workspace("scope")
    first = _scope_body(ctx, api.create_scope(workspace_id, "notes", {"round": 1}), 201, "notes",
                        "Creating a new scope")
    again = _scope_body(ctx, api.create_scope(workspace_id, "notes", {"round": 2}), 200, "notes",
                        "Creating a scope that exists")
    ctx.check(again.get("created_at") == first.get("created_at") and again.get("metadata") == {"round": 2},
              "get-or-create of an existing scope is not the stored scope with the new metadata",
              f"first {short(first)}, then {short(again)}")
    read = _scope_body(ctx, api.get_scope(workspace_id, "notes"), 200, "notes", "Reading a scope")
    ctx.check(read == again, "a scope read back differs from its last answer", f"{short(read)} vs {short(again)}")
    _scope_body(ctx, api.create_scope(workspace_id, "other"), 201, "other", "Creating a second scope")
    items, total, reply = ctx.list_all(lambda **kw: api.list_scopes(workspace_id, page=kw["page"], size=kw["size"],
                                                                    reverse=kw["reverse"]))
    ctx.check(sorted(ids(items)) == ["notes", "other"] and total == 2, "scope list is not the workspace's scopes",
              f"expected notes and other, listed {ids(items)} (total {total})", reply=reply)
    peers = {kind: ids(ctx.list_all(lambda **kw: api.list_peers(workspace_id, page=kw["page"], size=kw["size"],
                                                               body={"kind": kind} if kind else {}))[0])
             for kind in (None, "scope", "all")}
    scope_peers = [SCOPE_PEER_PREFIX + "notes", SCOPE_PEER_PREFIX + "other"]
    ctx.check(not any(p.startswith(SCOPE_PEER_PREFIX) for p in peers[None]), "peer list shows scope peers",
              f"without `kind` the peers listed are {peers[None]}")
    ctx.check(sorted(peers["scope"]) == scope_peers and sorted(peers["all"]) == sorted(peers[None] + scope_peers),
              "peer list by `kind` is not the scope peers",
              f"kind=scope listed {peers['scope']}, kind=all {peers['all']}")
    absent = "nosuchscope"
    for reply in (api.get_scope(workspace_id, absent), api.scope_status(workspace_id, absent),
                  api.scope_sessions(workspace_id, absent), api.add_scope_sessions(workspace_id, absent, ["s1"]),
                  api.remove_scope_session(workspace_id, absent, "s1")):
        expect_refused(ctx, reply, 404, missing_scope(workspace_id, absent), "a scope that does not exist")


@semantic_check("scope_sessions", "sessions join a scope (204, listed in order of joining, a repeat is no second "
                "membership, a missing session refuses the whole request) and leave it (204); its status maps the "
                "sessions it backfilled; a session created with `scopes` joins them", applies=SCOPES)
def scope_sessions(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id, _ = ctx.new_workspace("scopesess")
    _sessions(ctx, workspace_id, "s1", "s2", "s3")
    ctx.expect_status(api.create_messages(workspace_id, "s1", [{"peer_id": "alice", "content": "before joining"}]), 201,
                      what="Adding a message")
    _scope_body(ctx, api.create_scope(workspace_id, "team"), 201, "team", "Creating a new scope")
    for session_id in ("s1", "s2"):
        ctx.expect_status(api.add_scope_sessions(workspace_id, "team", [session_id]), 204,
                          what=f"Adding session {session_id} to a scope")
    members = _members(ctx, workspace_id, "team")
    ctx.check(members == ["s1", "s2"], "scope sessions are not the sessions added, in order of joining",
              f"added s1, then s2; listed {members}")
    backwards = _members(ctx, workspace_id, "team", reverse=True)
    ctx.check(backwards == members[::-1], "scope sessions with reverse=true are not reversed", f"listed {backwards}")
    # A repeat is no second membership (the real server counts it as joining again: s1 then lists last).
    ctx.expect_status(api.add_scope_sessions(workspace_id, "team", ["s1"]), 204, what="Adding a member again")
    members = _members(ctx, workspace_id, "team")
    ctx.check(sorted(members) == ["s1", "s2"], "adding a member again changed the scope's sessions",
              f"added s1, s2, then s1 again; listed {members}")
    expect_refused(ctx, api.add_scope_sessions(workspace_id, "team", ["s3", "nosuch"]), 404,
                   f"Session(s) ['nosuch'] not found in workspace {workspace_id}",
                   "adding a missing session to a scope")
    ctx.check(sorted(_members(ctx, workspace_id, "team")) == ["s1", "s2"], "a refused add changed the scope's sessions",
              "adding s3 with a missing session was refused, yet the members changed")
    for session_id in ("s2", "s3"):  # a member, then a live session that is none: both 204
        ctx.expect_status(api.remove_scope_session(workspace_id, "team", session_id), 204,
                          what=f"Removing session {session_id} from a scope")
    members = _members(ctx, workspace_id, "team")
    ctx.check(members == ["s1"], "scope sessions after a removal are not the ones left", f"listed {members}")
    expect_refused(ctx, api.remove_scope_session(workspace_id, "team", "nosuch"), 404,
                   f"Session nosuch not found in workspace {workspace_id}", "removing a missing session from a scope")
    reply = api.scope_status(workspace_id, "team")
    body = ctx.expect_status(reply, 200, fatal=False, what="Reading a scope's status")
    status = body.get("backfill_status") if isinstance(body, dict) else None
    ctx.check(isinstance(status, dict) and set(status) <= {"s1", "s2"} and all(
        isinstance(entry, dict) and entry.get("state") in BACKFILL_STATES for entry in status.values()),
        "scope status is not a backfill state per session that joined",
        f"expected backfill_status keyed by s1/s2 with a state in {sorted(BACKFILL_STATES)}; answered {short(body)}",
        reply=reply)
    _sessions(ctx, workspace_id, "s4", scopes=["joined"])
    _scope_body(ctx, api.get_scope(workspace_id, "joined"), 200, "joined", "Reading a scope a session create made")
    members = _members(ctx, workspace_id, "joined")
    ctx.check(members == ["s4"], "a session created with `scopes` did not join them", f"scope lists {members}")


@semantic_check("scope_confinement", "search, session context and the representation given a scope see nothing of "
                "sessions that never were its members; a scope without members finds nothing", applies=SCOPES)
def scope_confinement(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id, _ = ctx.new_workspace("scopeconf")
    _sessions(ctx, workspace_id, "inside", "outside")
    marker = f"m{ctx.rng.randrange(16**8):08x}"
    for session_id in ("inside", "outside"):
        ctx.expect_status(api.create_messages(workspace_id, session_id, [
            {"peer_id": "alice", "content": f"{marker} {session_id} note"}]), 201, what="Adding a message")
    for name in ("member", "empty"):
        _scope_body(ctx, api.create_scope(workspace_id, name), 201, name, "Creating a new scope")
    ctx.expect_status(api.add_scope_sessions(workspace_id, "member", ["inside"]), 204,
                      what="Adding a session to a scope")
    for scope, allowed in (("member", {"inside"}), ("empty", set())):
        reply = api.search_workspace_body(workspace_id, {"query": marker, "scope": scope})
        found = ctx.expect_status(reply, 200, fatal=False, what="Searching within a scope")
        sessions = {m.get("session_id") for m in found if isinstance(m, dict)} if isinstance(found, list) else None
        ctx.check(sessions is not None and sessions <= allowed,
                  "search within a scope finds messages of other sessions",
                  f"scope {scope!r} has sessions {sorted(allowed)}; found messages of "
                  f"{sorted(map(str, sessions or ()))}", reply=reply)
    expect_refused(ctx, api.search_workspace_body(workspace_id, {"query": marker, "scope": "nosuch"}), 404,
                   missing_scope(workspace_id, "nosuch"), "searching within a scope that does not exist")
    reply = api.session_context(workspace_id, "inside", scope="member", peer_target="alice")
    body = ctx.expect_status(reply, 200, fatal=False, what="Session context through a scope")
    if isinstance(body, dict):
        contents = [m.get("content") for m in body.get("messages") or [] if isinstance(m, dict)]
        ctx.check(contents == [f"{marker} inside note"], "session context through a scope is not the session's",
                  f"expected the session's own message; answered {short(body)}", reply=reply)
    expect_refused(ctx, api.session_context(workspace_id, "inside", scope="member"), 422,
                   "peer_target must be provided if scope is provided", "session context with a scope and no target")
    expect_refused(ctx, api.session_context(workspace_id, "inside", scope="nosuch", peer_target="alice"), 404,
                   missing_scope(workspace_id, "nosuch"), "session context through a scope that does not exist")
    expect_refused(ctx, api.representation(workspace_id, "alice", {"scope": "nosuch"}), 404,
                   missing_scope(workspace_id, "nosuch"), "a representation through a scope that does not exist")
    both = {"scope": "member", "filters": {"session_id": "inside"}}
    expect_refused(ctx, api.representation(workspace_id, "alice", both), 422,
                   "`scope` and `filters` are mutually exclusive", "a representation with both scope and filters")
    outside = f"{marker} outsider"
    made = make_conclusions(ctx, workspace_id, "alice", {"inside": f"{marker} insider", "outside": outside})
    for scope in ("member", ["member"], "empty"):
        text = representation_text(ctx, api.representation(workspace_id, "alice", {"scope": scope}),
                                   f"A representation through scope {short(scope)}")
        ctx.check(not made or outside not in text, "representation through a scope recalls a session outside it",
                  f"scope {short(scope)} holds only the session `inside`; the representation shows {outside!r}: "
                  f"{short(text)}")
    if made:
        reply = api.session_context(workspace_id, "inside", scope="member", peer_target="alice")
        body = ctx.expect_status(reply, 200, fatal=False, what="Session context through a scope")
        text = str(body.get("peer_representation") or "") if isinstance(body, dict) else ""
        ctx.check(outside not in text, "session context through a scope recalls a session outside it",
                  f"the scope holds only `inside`; peer_representation shows {outside!r}: {short(text)}", reply=reply)
