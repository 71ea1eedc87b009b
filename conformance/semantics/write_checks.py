"""Checks of writes: get-or-create, updates and deletes as later reads see them, order, isolation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conformance.honcho.deletion import await_deletion, pending_title
from conformance.semantics.context import CheckContext, ids, short, words
from conformance.semantics.registry import semantic_check


def _moment(stamp: str) -> object:
    """A timestamp's order by time, not by text: pydantic writes no fraction when it is zero
    (`12:00:00Z` sorts after `12:00:00.5Z` as text)."""
    try:
        return (0, datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return (1, stamp)


# --------------------------------------------------------------------------- checks: writes
@semantic_check("get_or_create", "a second create answers 200 with the stored record, as the real server does")
def get_or_create(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id = ctx.workspaces.new_id("goc")
    first = ctx.expect_status(api.create_workspace(workspace_id, {"v": 1}), 201, what="Creating a new workspace")
    reply = api.create_workspace(workspace_id, {"v": 2})
    second = ctx.expect_status(reply, 200, fatal=False, what="Creating an existing workspace")
    if second is not None:
        ctx.check(second == first, "second create of a workspace changed it",
                  f"the stored workspace comes back unchanged (metadata sent again is ignored):\n"
                  f"first  {short(first)}\nsecond {short(second)}", reply=reply)
    for kind, create, lister in (
        ("peer", lambda md: api.create_peer(workspace_id, "gp", md), lambda: api.list_peers(workspace_id, filters={"id": "gp"})),
        ("session", lambda md: api.create_session(workspace_id, "gs", md),
         lambda: api.list_sessions(workspace_id, filters={"id": "gs"})),
    ):
        made = ctx.expect_status(create({"v": 1}), 201, what=f"Creating a new {kind}")
        reply = create({"v": 2})
        again = ctx.expect_status(reply, 200, fatal=False, what=f"Creating an existing {kind}")
        if again is not None:
            ctx.check(again.get("metadata") == {"v": 2} and again.get("created_at") == made.get("created_at")
                      and again.get("id") == made.get("id"), f"second create of a {kind} is not the updated stored record",
                      f"metadata sent again replaces the stored one, the record stays the same:\n"
                      f"first  {short(made)}\nsecond {short(again)}", reply=reply)
        reply = lister()
        listed = ctx.page(reply)["items"]
        ctx.check(len(listed) == 1 and listed[0].get("metadata") == {"v": 2}, f"{kind} listed after a second create is wrong",
                  f"expected one {kind} with metadata {{'v': 2}}, listed {short(listed)}", reply=reply)


@semantic_check("update_visible", "an update is visible in later reads and lists")
def update_visible(ctx: CheckContext) -> None:
    api, rng = ctx.api, ctx.rng
    workspace_id, _ = ctx.new_workspace("upd")
    ctx.expect_status(api.create_peer(workspace_id, "up"), 201, what="Creating a new peer")
    ctx.expect_status(api.create_session(workspace_id, "us", peers={"up": {}}), 201, what="Creating a new session")
    created = ctx.expect_status(api.create_messages(workspace_id, "us", [{"peer_id": "up", "content": "hello"}]), 201,
                                what="Adding messages")
    message_id = created[0]["id"] if isinstance(created, list) and created and isinstance(created[0], dict) else None
    steps = [
        ("workspace", lambda md: api.update_workspace(workspace_id, {"metadata": md}),
         lambda: api.list_workspaces(filters={"id": workspace_id}), workspace_id),
        ("peer", lambda md: api.update_peer(workspace_id, "up", {"metadata": md}),
         lambda: api.list_peers(workspace_id, filters={"id": "up"}), "up"),
        ("session", lambda md: api.update_session(workspace_id, "us", {"metadata": md}),
         lambda: api.list_sessions(workspace_id, filters={"id": "us"}), "us"),
    ]
    for kind, update, lister, record_id in steps:
        metadata = {"updated": rng.randint(1, 10**6), "kind": rng.choice(("alpha", "beta"))}
        ctx.page(lister())  # read once before the change: a later read must not be served from it
        reply = update(metadata)
        body = ctx.expect_status(reply, 200, fatal=False, what=f"Updating a {kind}")
        if body is None:
            continue
        ctx.check(body.get("metadata") == metadata, f"{kind} update answer does not show the update",
                  f"sent metadata {metadata}, answered {short(body)}", reply=reply)
        reply = lister()
        listed = ctx.page(reply)["items"]
        ctx.check(len(listed) == 1 and listed[0].get("metadata") == metadata, f"{kind} update not visible in its list",
                  f"after setting metadata {metadata} on {record_id}, listed {short(listed)}", reply=reply)
        if kind == "session":
            reply = api.list_sessions(workspace_id, filters={"metadata": metadata})
            got = ids(ctx.page(reply)["items"])
            ctx.check(got == ["us"], "updated metadata not found by a metadata filter",
                      f"filters {{'metadata': {metadata}}} listed {got}", reply=reply)
    if message_id:
        metadata = {"edited": True}
        ctx.expect_status(api.get_message(workspace_id, "us", message_id), 200, fatal=False, what="Reading a message")
        reply = api.update_message(workspace_id, "us", message_id, {"metadata": metadata})
        if ctx.expect_status(reply, 200, fatal=False, what="Updating a message") is not None:
            reply = api.get_message(workspace_id, "us", message_id)
            body = ctx.expect_status(reply, 200, fatal=False, what="Reading the updated message")
            if body is not None:
                ctx.check(body.get("metadata") == metadata, "message update not visible when read back",
                          f"set metadata {metadata}, read {short(body)}", reply=reply)
    # PUT on a session that does not exist creates it, and it is then listed.
    reply = api.update_session(workspace_id, "made-by-put", {"metadata": {"p": 1}})
    if ctx.expect_status(reply, 200, fatal=False, what="PUT on a session that does not exist") is not None:
        reply = api.list_sessions(workspace_id, filters={"id": "made-by-put"})
        got = ids(ctx.page(reply)["items"])
        ctx.check(got == ["made-by-put"], "session created by PUT is not listed", f"listed {got}", reply=reply)


@semantic_check("delete_removes", "a delete removes the record from every list")
def delete_removes(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id, _ = ctx.new_workspace("del")
    ctx.expect_status(api.create_session(workspace_id, "d1", peers={"dp": {}}), 201, what="Creating a new session")
    ctx.expect_status(api.create_session(workspace_id, "d2", peers={"dp": {}}), 201, what="Creating a new session")
    reply = api.list_sessions(workspace_id)
    got = ids(ctx.page(reply)["items"])
    ctx.check(got == ["d1", "d2"], "created sessions not listed", f"the workspace lists {got}", reply=reply)
    ctx.page(api.list_sessions(workspace_id, filters={"id": "d1"}))
    reply = api.delete_session(workspace_id, "d1")
    ctx.expect_status(reply, 202, what="Deleting a session")
    reply = api.list_sessions(workspace_id)
    got = ids(ctx.page(reply)["items"])
    ctx.check(got == ["d2"], "deleted session still listed", f"after deleting d1, the workspace lists {got}", reply=reply)
    reply = api.list_sessions(workspace_id, filters={"id": "d1"})
    got = ids(ctx.page(reply)["items"])
    ctx.check(got == [], "deleted session still found by its id", f"filters {{'id': 'd1'}} listed {got}", reply=reply)
    # Honcho deletes a session in two steps: at once it leaves the workspace's lists and stays,
    # inactive, in its peers' own lists; when the background worker has run it is gone from those
    # too. Either is right, whenever the worker runs; anything else is not.
    reply = api.peer_sessions(workspace_id, "dp")
    listed = {str(s.get("id")): s for s in ctx.page(reply)["items"] if isinstance(s, dict)}
    kept_inactive = "d1" in listed and listed["d1"].get("is_active") is False
    ctx.check((kept_inactive or "d1" not in listed) and listed.get("d2", {}).get("is_active") is True,
              "peer's session list shows the deleted session as active, or loses the other one",
              f"a peer's own session list shows a deleted session inactive (before the deletion has run) or not "
              f"at all (after), and its other sessions active; listed {short(list(listed.values()))}", reply=reply)
    reply = api.delete_session(workspace_id, "d1")
    ctx.expect_status(reply, 404, fatal=False, what="Deleting a session twice")
    # A workspace with active sessions cannot be deleted; once they are gone, it can.
    other, _ = ctx.new_workspace("del")
    ctx.expect_status(api.create_session(other, "keep"), 201, what="Creating a new session")
    reply = api.delete_workspace(other)
    ctx.expect_status(reply, 409, fatal=False, what="Deleting a workspace that has active sessions")
    ctx.expect_status(api.delete_session(other, "keep"), 202, what="Deleting a session")
    deletion = api.delete_workspace(other)
    ctx.expect_status(deletion, 202, what="Deleting a workspace without sessions")
    last: dict[str, Any] = {}

    def gone() -> bool:
        last["reply"] = api.list_workspaces(filters={"id": other})
        last["got"] = ids(ctx.page(last["reply"])["items"])
        return not last["got"]

    # A 202 is "accepted": the real server deletes a workspace in a background worker.
    outcome = await_deletion(gone, accepted=deletion.status == 202, wait=ctx.deletion_wait)
    if not outcome.done:
        title = pending_title(ctx.deletion_wait) if deletion.status == 202 else "deleted workspace still listed"
        ctx.fail(title, f"DELETE answered {deletion.status}; filters {{'id': {other!r}}} still listed {last['got']}"
                        f" after {outcome.waited:.1f} s and {outcome.looks} looks", reply=last["reply"])


@semantic_check("message_order", "messages are listed in the order they were created")
def message_order(ctx: CheckContext) -> None:
    api, rng = ctx.api, ctx.rng
    workspace_id, _ = ctx.new_workspace("ord")
    sent: list[str] = []
    created: list[str] = []
    for batch_number in range(4):
        batch = [{"peer_id": rng.choice(("oa", "ob")), "content": f"m{len(sent) + i} {words(rng, 2)}"}
                 for i in range(rng.randint(1, 5))]
        reply = api.create_messages(workspace_id, "os", batch)
        body = ctx.expect_status(reply, 201, what="Adding messages")
        got_contents = [m.get("content") for m in body] if isinstance(body, list) else None
        ctx.check(got_contents == [m["content"] for m in batch], "batch answer not in the order sent",
                  f"sent {[m['content'] for m in batch]}, answered {got_contents}", reply=reply, fatal=True)
        sent += [m["content"] for m in batch]
        created += [str(m.get("id")) for m in body]
    ctx.check(len(set(created)) == len(created), "two messages given one id", f"ids {created}")
    listed, _, reply = ctx.list_all(lambda **kw: api.list_messages(workspace_id, "os", **kw))
    ctx.check(ids(listed) == created, "messages not listed in creation order",
              f"created {short(created)}\nlisted  {short(ids(listed))}", reply=reply)
    ctx.check([m.get("content") for m in listed] == sent, "message contents not kept in order",
              f"sent {short(sent)}\nlisted {short([m.get('content') for m in listed])}", reply=reply)
    stamps = [str(m.get("created_at")) for m in listed]
    ctx.check(stamps == sorted(stamps, key=_moment), "message timestamps go backwards in list order", f"created_at {short(stamps)}",
              reply=reply)


@semantic_check("workspace_isolation", "nothing of one workspace appears in another's answers")
def workspace_isolation(ctx: CheckContext) -> None:
    api = ctx.api
    spaces = []
    for name in ("iso", "iso"):
        workspace_id, _ = ctx.new_workspace(name, {"owner": name})
        spaces.append(workspace_id)
    for workspace_id in spaces:
        ctx.expect_status(api.create_peer(workspace_id, "shared-peer", {"home": workspace_id}), 201, what="Creating a new peer")
        ctx.expect_status(api.create_session(workspace_id, "shared-session", {"home": workspace_id},
                                             peers={"shared-peer": {}}), 201, what="Creating a new session")
        ctx.expect_status(api.create_messages(workspace_id, "shared-session",
                                              [{"peer_id": "shared-peer", "content": f"zebra note from {workspace_id}"}]),
                          201, what="Adding messages")
    for mine, theirs in (spaces, spaces[::-1]):
        for what, reply in (("peers", api.list_peers(mine)), ("sessions", api.list_sessions(mine)),
                            ("messages", api.list_messages(mine, "shared-session")),
                            ("peer sessions", api.peer_sessions(mine, "shared-peer"))):
            items = ctx.page(reply)["items"]
            leaked = [i for i in items if i.get("workspace_id") != mine or i.get("metadata", {}).get("home", mine) != mine
                      or theirs in str(i.get("content", ""))]
            ctx.check(not leaked and items, f"{what} list shows another workspace's records",
                      f"listing {what} of {mine} answered {short(items)}", reply=reply)
        reply = api.list_sessions(mine, filters={"workspace_id": theirs})
        got = ctx.page(reply)["items"]
        ctx.check(got == [], "a workspace's list finds another workspace's records",
                  f"sessions of {mine} filtered by workspace_id={theirs} listed {short(got)}", reply=reply)
        reply = api.search_workspace(mine, "zebra")
        found = ctx.expect_status(reply, 200, fatal=False, what="Searching a workspace")
        if isinstance(found, list):
            leaked = [m for m in found if not isinstance(m, dict) or m.get("workspace_id") != mine]
            ctx.check(not leaked and len(found) == 1, "search shows another workspace's messages",
                      f"searching {mine} for 'zebra' answered {short(found)}", reply=reply)


@semantic_check("parent_confinement", "a child cannot be read or changed through another parent's path")
def parent_confinement(ctx: CheckContext) -> None:
    api = ctx.api
    home, _ = ctx.new_workspace("par")
    away, _ = ctx.new_workspace("par")
    for workspace_id in (home, away):
        ctx.expect_status(api.create_session(workspace_id, "s1", peers={"pa": {}}), 201, what="Creating a new session")
    ctx.expect_status(api.create_session(home, "s2", peers={"pb": {}}), 201, what="Creating a new session")
    body = ctx.expect_status(api.create_messages(home, "s1", [{"peer_id": "pa", "content": "private"}]), 201,
                             what="Adding messages")
    message_id = str(body[0]["id"])
    for description, reply in (
        ("another session's path", api.get_message(home, "s2", message_id)),
        ("another workspace's path", api.get_message(away, "s1", message_id)),
    ):
        ctx.check(reply.status == 404, "message readable through another parent",
                  f"GET through {description} answered {reply.exchange.response_excerpt()}; expected 404", reply=reply)
    reply = api.update_message(home, "s2", message_id, {"metadata": {"x": 1}})
    ctx.check(reply.status == 404, "message changeable through another parent",
              f"PUT through another session's path answered {reply.exchange.response_excerpt()}; expected 404", reply=reply)
    reply = api.list_messages(away, "s1")
    got = ids(ctx.page(reply)["items"])
    ctx.check(message_id not in got, "message listed under another workspace", f"listed {got}", reply=reply)
    reply = api.peer_config(home, "s2", "pa")
    ctx.check(reply.status == 404, "peer config readable through a session the peer is not in",
              f"answered {reply.exchange.response_excerpt()}; expected 404", reply=reply)


@semantic_check("clone_exact", "a clone holds exactly its source session's messages, nothing of another workspace")
def clone_exact(ctx: CheckContext) -> None:
    """A clone (whole, or up to a message) holds exactly the source's messages; and the clone of
    an empty session holds nothing, even when a session of the same name in another workspace
    holds messages (Honcho 3.0.7 selects the messages to copy by session name only, and answers
    201 with the other workspace's messages: a cross-workspace leak). Session names are new in
    every run (they carry the run's prefix), so no earlier run's session shares them."""
    api = ctx.api
    source, _ = ctx.new_workspace("cln")
    other, _ = ctx.new_workspace("cln")
    own = f"solo-{ctx.workspaces.prefix}"  # no other workspace has a session of this name
    sent = [{"peer_id": "ca", "content": f"source {i} {words(ctx.rng, 2)}"} for i in range(3)]
    created = ctx.expect_status(api.create_messages(source, own, sent), 201, what="Adding messages")
    for upto in (None, 1):
        message_id = str(created[upto]["id"]) if upto is not None and isinstance(created, list) else None
        reply = api.clone_session(source, own, message_id)
        clone = ctx.expect_status(reply, 201, fatal=False, what="Cloning a session")
        if not isinstance(clone, dict) or not clone.get("id"):
            continue
        listed, _, listing = ctx.list_all(lambda **kw: api.list_messages(source, str(clone["id"]), **kw))
        want = [m["content"] for m in sent[: (upto + 1) if upto is not None else None]]
        got = [m.get("content") for m in listed]
        ctx.check(got == want, "clone does not hold exactly the source session's messages",
                  f"cloned {source}/{own}" + (f" up to message {message_id}" if message_id else "")
                  + f": expected {short(want)}, the clone lists {short(got)}", reply=listing)
    # Empty here, holding a message of peer `cb` in the other workspace. `cb` is a peer of this
    # workspace too (not of the session): Honcho 3.0.7 then copies the other workspace's message
    # and answers 201; without that peer its copy breaks a foreign key (500).
    twin = f"twin-{ctx.workspaces.prefix}"
    ctx.expect_status(api.create_session(source, twin), 201, what="Creating a new session")
    ctx.expect_status(api.create_peer(source, "cb"), 201, what="Creating a new peer")
    leaked = f"other workspace {other}"
    ctx.expect_status(api.create_messages(other, twin, [{"peer_id": "cb", "content": leaked}]), 201,
                      what="Adding messages")
    reply = api.clone_session(source, twin)
    clone = ctx.expect_status(reply, 201, fatal=False, what="Cloning an empty session")
    if isinstance(clone, dict) and clone.get("id"):
        listed, _, listing = ctx.list_all(lambda **kw: api.list_messages(source, str(clone["id"]), **kw))
        got = [m.get("content") for m in listed]
        if leaked in got:
            ctx.fail("cross-workspace leak: a clone holds another workspace's messages",
                     f"cloned the empty session {source}/{twin}; the clone lists {short(got)}, the messages of "
                     f"{other}/{twin} (a session of the same name in another workspace)", reply=listing)
        else:
            ctx.check(got == [], "clone of an empty session is not empty",
                      f"cloned the empty session {source}/{twin}; the clone lists {short(got)}", reply=listing)
