"""The API's meaning, checked against a live server: a registry of small semantic checks.

No schema says that pages partition a list, that `reverse` reverses it, that a filter
selects what it describes, or that a deleted session leaves every list. Each check here
is a small function registered with `@semantic_check`; it drives the server through
`HonchoApi`, judges the answers, and reports `Failure`s through its `CheckContext`
(with the curl of the offending request and the steps that led to it).

Checks marked `writes=False` only read (plus requests that must be rejected): they are
the ones `--read-only` runs, over data that already exists on the server.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from . import api as A
from .api import HonchoApi
from .client import BudgetExceeded, Reply
from .filters_reference import FilterError, Undefined, evaluate, invalid_filters, random_filter, sample_metadata
from .model import Exchange, Failure
from .workspaces import WorkspaceRegistry

MAX_STEPS = 40
LIST_PAGE = 100
MAX_LIST_PAGES = 20


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class SemanticCheck:
    name: str
    description: str
    func: Callable[["CheckContext"], None]
    writes: bool
    uses_world: bool


REGISTRY: dict[str, SemanticCheck] = {}


def semantic_check(name: str, description: str, *, writes: bool = True, uses_world: bool = False) -> Callable:
    def register(func: Callable[["CheckContext"], None]) -> Callable[["CheckContext"], None]:
        if name in REGISTRY:
            raise ValueError(f"two semantic checks named {name}")
        REGISTRY[name] = SemanticCheck(name, description, func, writes, uses_world)
        return func
    return register


class StopCheck(Exception):
    """A failure was reported and the rest of the check depends on what failed."""


# --------------------------------------------------------------------------- context
@dataclass
class Collection:
    """A list endpoint to check: how to fetch a page, and what kind of records it lists."""

    name: str
    resource: str
    operation: str
    fetch: Callable[..., Reply]
    created: list[dict[str, Any]] | None = None  # records this run created there (write mode)


@dataclass
class World:
    """Records a check run created on the server, shared by the list checks."""

    workspaces: list[dict[str, Any]] = field(default_factory=list)
    peers: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # session id -> peer ids
    collections: list[Collection] = field(default_factory=list)
    steps: list[Exchange] = field(default_factory=list)
    full: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # collection name -> full list


class CheckContext:
    def __init__(self, *, name: str, api: HonchoApi, rng: random.Random, seed: int, registry: WorkspaceRegistry,
                 rounds: int, read_only: bool, label: Callable[[str], str], report: Callable[[Failure], None],
                 world: World | None = None, phase: str = "semantics") -> None:
        self.name = name
        self.api = api
        self.rng = rng
        self.seed = seed
        self.registry = registry
        self.rounds = rounds
        self.read_only = read_only
        self.label = label
        self._report = report
        self.world = world
        self.phase = phase
        self.steps: list[Exchange] = []
        self.failures = 0

    def run(self, func: Callable[[CheckContext], Any]) -> None:
        """Run one check with this context: its requests recorded as its steps, a fatal
        failure (StopCheck) ending the check and nothing else."""
        with self.api.client.recording() as steps:
            self.steps = steps
            try:
                func(self)
            except StopCheck:
                pass

    # -- reporting -----------------------------------------------------------------------
    def fail(self, title: str, message: str, *, reply: Reply | None = None, operation: str | None = None,
             fatal: bool = False) -> None:
        exchange = reply.exchange if reply is not None else (self.steps[-1] if self.steps else None)
        op = operation or (reply.operation if reply is not None else "") or "(sequence)"
        prior = (self.world.steps if self.world is not None else [])[: MAX_STEPS // 2] + self.steps
        if exchange is not None and exchange in prior:
            prior = prior[: prior.index(exchange)]
        steps = [e.curl() for e in prior[-MAX_STEPS:]]
        failure = Failure(check=f"{self.phase}:{self.name}", operation=self.label(op), title=title, message=message,
                          phase=self.phase, curl=exchange.curl() if exchange else "", steps=steps, seed=self.seed,
                          status=exchange.status if exchange else None,
                          response=exchange.response_excerpt() if exchange else "", case=self.name)
        self.failures += 1
        self._report(failure)
        if fatal:
            raise StopCheck(title)

    def expect_status(self, reply: Reply, *statuses: int, fatal: bool = True, what: str = "") -> Any:
        """The JSON body when the status is one of `statuses`; a failure otherwise."""
        if reply.status not in statuses:
            wanted = "/".join(str(s) for s in statuses)
            self.fail(f"expected {wanted}, got {reply.status}",
                      f"{what or 'The request'} should answer {wanted}; it answered {reply.exchange.response_excerpt()}",
                      reply=reply, fatal=fatal)
            return None
        return reply.json()

    def check(self, condition: bool, title: str, message: str, *, reply: Reply | None = None,
              operation: str | None = None, fatal: bool = False) -> bool:
        if not condition:
            self.fail(title, message, reply=reply, operation=operation, fatal=fatal)
        return condition

    # -- helpers ---------------------------------------------------------------------------
    def new_workspace(self, tag: str, metadata: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        workspace_id = self.registry.new_id(tag)
        reply = self.api.create_workspace(workspace_id, metadata if metadata is not None else {})
        body = self.expect_status(reply, 201, what="Creating a new workspace")
        if not isinstance(body, dict) or body.get("id") != workspace_id:
            self.fail("create answered another record", f"expected workspace {workspace_id}, got {body!r}",
                      reply=reply, fatal=True)
        return workspace_id, body

    def page(self, reply: Reply, what: str = "") -> dict[str, Any]:
        """A page body, or a (fatal) failure when the answer is not a page."""
        body = self.expect_status(reply, 200, what=what or "Listing")
        keys = ("items", "total", "page", "size", "pages")
        if not isinstance(body, dict) or not all(k in body for k in keys) or not isinstance(body["items"], list) \
                or not all(isinstance(body[k], int) and not isinstance(body[k], bool) for k in keys[1:]):
            self.fail("list answer is not a page", f"expected {{items, total, page, size, pages}}, got "
                      f"{reply.exchange.response_excerpt()}", reply=reply, fatal=True)
        return body

    def list_all(self, fetch: Callable[..., Reply], *, reverse: bool | None = None, filters: Any = A.UNSET,
                 size: int = LIST_PAGE, max_pages: int = MAX_LIST_PAGES) -> tuple[list[dict[str, Any]], int, Reply]:
        """Every item of a list (up to max_pages pages), its `total`, and the last reply."""
        items: list[dict[str, Any]] = []
        total = 0
        reply: Reply | None = None
        for number in range(1, max_pages + 1):
            reply = fetch(page=number, size=size, reverse=reverse, filters=filters)
            body = self.page(reply)
            total = body["total"]
            items += [i for i in body["items"] if isinstance(i, dict)]
            if len(body["items"]) < size or len(items) >= total:
                break
        assert reply is not None
        return items, total, reply


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [str(r.get("id")) for r in records]


def short(value: Any, limit: int = 400) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


def words(rng: random.Random, n: int) -> str:
    vocabulary = ("apple", "river", "stone", "cloud", "ember", "maple", "quartz", "tiger", "violet", "willow")
    return " ".join(rng.choice(vocabulary) for _ in range(n))


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
        Collection(f"peers of {workspace_id}", "peer", A.PEER_LIST, lambda **kw: api.list_peers(workspace_id, **kw),
                   world.peers),
        Collection(f"sessions of {workspace_id}", "session", A.SESSION_LIST,
                   lambda **kw: api.list_sessions(workspace_id, **kw), world.sessions),
        Collection("workspaces of this run", "workspace", A.WS_LIST, workspaces, world.workspaces),
    ]
    for session_id, messages in world.messages.items():
        collections.append(Collection(f"messages of {session_id}", "message", A.MSG_LIST,
                                      lambda sid=session_id, **kw: api.list_messages(workspace_id, sid, **kw), messages))
    counts: dict[str, int] = {}
    for members in world.members.values():
        for peer_id in set(members):
            counts[peer_id] = counts.get(peer_id, 0) + 1
    if counts:
        busiest = max(sorted(counts), key=lambda p: counts[p])
        collections.append(Collection(f"sessions of peer {busiest}", "session", A.PEER_SESSIONS,
                                      lambda pid=busiest, **kw: api.peer_sessions(workspace_id, pid, **kw)))
    return collections


def discover_world(ctx: CheckContext) -> World:
    """Read-only: collections over data that already exists on the server."""
    world = World()
    api = ctx.api
    body = ctx.page(api.list_workspaces(size=5), "Listing workspaces")
    collections: list[Collection] = [Collection("workspaces", "workspace", A.WS_LIST, api.list_workspaces)]
    for workspace in [w for w in body["items"] if isinstance(w, dict) and w.get("id")][:2]:
        workspace_id = str(workspace["id"])
        collections.append(Collection(f"peers of {workspace_id}", "peer", A.PEER_LIST,
                                      lambda wid=workspace_id, **kw: api.list_peers(wid, **kw)))
        collections.append(Collection(f"sessions of {workspace_id}", "session", A.SESSION_LIST,
                                      lambda wid=workspace_id, **kw: api.list_sessions(wid, **kw)))
        sessions = ctx.page(api.list_sessions(workspace_id, size=1))["items"]
        if sessions and isinstance(sessions[0], dict) and sessions[0].get("id"):
            sid = str(sessions[0]["id"])
            collections.append(Collection(f"messages of {sid}", "message", A.MSG_LIST,
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


# --------------------------------------------------------------------------- checks: lists
@semantic_check("created_found", "every created record is listed exactly once, as created, and found by its id",
                uses_world=True)
def created_found(ctx: CheckContext) -> None:
    world = ctx.world
    assert world is not None
    for collection in world.collections:
        created = collection.created
        if not created:
            continue
        listed = full_list(ctx, collection)
        listed_by_id: dict[str, list[dict[str, Any]]] = {}
        for item in listed:
            listed_by_id.setdefault(str(item.get("id")), []).append(item)
        for record in created:
            found = listed_by_id.get(str(record.get("id")), [])
            if not found:
                ctx.fail("created record missing from its list",
                         f"{collection.name}: {record.get('id')} was created but is not listed "
                         f"(listed: {short(ids(listed))})", operation=collection.operation)
            elif len(found) > 1:
                ctx.fail("record listed more than once", f"{collection.name}: {record.get('id')} appears {len(found)} times",
                         operation=collection.operation)
            elif found[0] != record:
                ctx.fail("listed record differs from the created one",
                         f"{collection.name}: created {short(record)}\nlisted  {short(found[0])}",
                         operation=collection.operation)
        if collection.resource in ("peer", "session") and created:
            record = ctx.rng.choice(created)
            reply = collection.fetch(filters={"id": record["id"]})
            got = ids(ctx.page(reply)["items"])
            ctx.check(got == [record["id"]], "filter by id does not find exactly the record",
                      f"{collection.name}: filters {{'id': {record['id']!r}}} listed {got}", reply=reply)
    workspace_id = world.workspaces[0]["id"] if world.workspaces else None
    for session_id, messages in world.messages.items():
        for message in ctx.rng.sample(messages, min(3, len(messages))):
            reply = ctx.api.get_message(workspace_id, session_id, message["id"])
            got = ctx.expect_status(reply, 200, fatal=False, what="Reading a created message")
            if got is not None:
                ctx.check(got == message, "message read back differs from the created one",
                          f"created {short(message)}\nread    {short(got)}", reply=reply)


@semantic_check("pages_partition", "pages partition a list: nothing missing or repeated, total/pages/size agree",
                writes=False, uses_world=True)
def pages_partition(ctx: CheckContext) -> None:
    assert ctx.world is not None
    for collection in ctx.world.collections:
        full = full_list(ctx, collection)
        total = len(full)
        sizes = sorted({1, 2, 3, ctx.rng.randint(4, 9)} if total <= 40 else {ctx.rng.randint(7, 15), 50})
        for size in sizes:
            _check_pages(ctx, collection, full, size)
        if total == 0:
            body = ctx.page(reply := collection.fetch(page=1, size=10))
            ctx.check(body["pages"] == 0, "`pages` is not 0 for an empty list",
                      f"{collection.name}: empty list answered pages={body['pages']}", reply=reply)


def _check_pages(ctx: CheckContext, collection: Collection, full: list[dict[str, Any]], size: int) -> None:
    total = len(full)
    expected_pages = math.ceil(total / size)
    limit = min(expected_pages, 12)
    seen: list[str] = []
    for number in range(1, limit + 2):
        reply = collection.fetch(page=number, size=size)
        body = ctx.page(reply)
        where = f"{collection.name}, page={number}, size={size}"
        ctx.check(body["total"] == total, "`total` does not count the whole list",
                  f"{where}: total={body['total']}, but the list has {total} items", reply=reply)
        ctx.check(body["page"] == number and body["size"] == size, "`page`/`size` not echoed",
                  f"{where}: answered page={body['page']} size={body['size']}", reply=reply)
        ctx.check(body["pages"] == math.ceil(body["total"] / size), "`pages` is not ceil(total / size)",
                  f"{where}: total={body['total']} pages={body['pages']}, expected {math.ceil(body['total'] / size)}",
                  reply=reply)
        items = ids(body["items"])
        if number > expected_pages:
            ctx.check(items == [], "a page past the end is not empty", f"{where}: listed {short(items)}", reply=reply)
            break
        if not ctx.check(len(items) <= size, "a page holds more than `size` items",
                         f"{where}: {len(items)} items", reply=reply):
            return
        expected = [str(i) for i in ids(full)[(number - 1) * size: number * size]]
        if items != expected:
            missing = [i for i in expected if i not in items]
            repeated = [i for i in items if i in seen]
            ctx.fail("pages do not partition the list",
                     f"{where}: expected {short(expected)}, got {short(items)}"
                     + (f"; missing {short(missing)}" if missing else "") + (f"; repeated {short(repeated)}" if repeated else ""),
                     reply=reply)
            return
        seen += items


@semantic_check("reverse_exact", "`reverse=true` lists exactly the reverse order, page by page", writes=False,
                uses_world=True)
def reverse_exact(ctx: CheckContext) -> None:
    assert ctx.world is not None
    for collection in ctx.world.collections:
        full = full_list(ctx, collection)
        if len(full) > LIST_PAGE * MAX_LIST_PAGES:
            continue
        backwards, _, reply = ctx.list_all(collection.fetch, reverse=True)
        if not ctx.check(ids(backwards) == ids(full)[::-1], "reverse is not the exact reverse of the list",
                         f"{collection.name}: forward {short(ids(full))}\nreverse {short(ids(backwards))}", reply=reply):
            continue
        size = ctx.rng.randint(2, 4)
        if len(full) > size:
            reply = collection.fetch(page=1, size=size, reverse=True)
            got = ids(ctx.page(reply)["items"])
            ctx.check(got == ids(full)[::-1][:size], "reverse first page is not the newest items",
                      f"{collection.name}, size={size}: expected {ids(full)[::-1][:size]}, got {got}", reply=reply)


@semantic_check("filters_reference", "a filtered list equals the filter evaluated client-side over the full list",
                writes=False, uses_world=True)
def filters_reference(ctx: CheckContext) -> None:
    assert ctx.world is not None
    for collection in ctx.world.collections:
        full = full_list(ctx, collection)
        for body in (A.UNSET, None, {}):
            reply = collection.fetch(page=1, size=LIST_PAGE, **({} if body is A.UNSET else {"filters": body}))
            got = ids(ctx.page(reply)["items"])
            ctx.check(got == ids(full)[:LIST_PAGE], "an empty filter changes the list",
                      f"{collection.name}: filters={body!r} listed {short(got)}", reply=reply)
        compared = 0
        for _ in range(ctx.rounds * 3):
            if compared >= ctx.rounds:
                break
            filters = random_filter(ctx.rng, collection.resource, full)
            try:
                expected = evaluate(filters, full, collection.resource)
            except Undefined:
                continue
            except FilterError:
                _expect_filter_error(ctx, collection, filters)
                continue
            compared += 1
            got, _, reply = ctx.list_all(collection.fetch, filters=filters)
            if ids(got) != ids(expected):
                ctx.fail("filtered list differs from the reference evaluation",
                         f"{collection.name}: filters {json.dumps(filters)}\nexpected {short(ids(expected))}\n"
                         f"got      {short(ids(got))}", reply=reply)
        for filters in invalid_filters(collection.resource):
            _expect_filter_error(ctx, collection, filters)


def _expect_filter_error(ctx: CheckContext, collection: Collection, filters: Any) -> None:
    reply = collection.fetch(page=1, size=10, filters=filters)
    body = reply.json()
    if reply.status != 422:
        ctx.fail("invalid filter not rejected with 422",
                 f"{collection.name}: filters {json.dumps(filters)} answered {reply.exchange.response_excerpt()}",
                 reply=reply)
    elif not (isinstance(body, dict) and isinstance(body.get("detail"), str)):
        ctx.fail("filter error detail is not a string",
                 f"{collection.name}: filter errors answer {{\"detail\": \"<message>\"}}, got {reply.exchange.response_excerpt()}",
                 reply=reply)


# --------------------------------------------------------------------------- checks: writes
@semantic_check("get_or_create", "a second create answers 200 with the stored record, as the real server does")
def get_or_create(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id = ctx.registry.new_id("goc")
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
    reply = api.peer_sessions(workspace_id, "dp")
    listed = {str(s.get("id")): s for s in ctx.page(reply)["items"] if isinstance(s, dict)}
    ctx.check("d1" in listed and listed["d1"].get("is_active") is False and listed.get("d2", {}).get("is_active") is True,
              "peer's session list does not keep the deleted session as inactive",
              f"a peer's own session list keeps a deleted session with is_active false; listed {short(list(listed.values()))}",
              reply=reply)
    reply = api.delete_session(workspace_id, "d1")
    ctx.expect_status(reply, 404, fatal=False, what="Deleting a session twice")
    # A workspace with active sessions cannot be deleted; once they are gone, it can.
    other, _ = ctx.new_workspace("del")
    ctx.expect_status(api.create_session(other, "keep"), 201, what="Creating a new session")
    reply = api.delete_workspace(other)
    ctx.expect_status(reply, 409, fatal=False, what="Deleting a workspace that has active sessions")
    ctx.expect_status(api.delete_session(other, "keep"), 202, what="Deleting a session")
    ctx.expect_status(api.delete_workspace(other), 202, what="Deleting a workspace without sessions")
    for attempt in range(4):
        reply = api.list_workspaces(filters={"id": other})
        got = ids(ctx.page(reply)["items"])
        if not got:
            break
        time.sleep(0.25 * (attempt + 1))
    ctx.check(got == [], "deleted workspace still listed", f"filters {{'id': {other!r}}} listed {got}", reply=reply)


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
    ctx.check(stamps == sorted(stamps), "message timestamps go backwards in list order", f"created_at {short(stamps)}",
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


# --------------------------------------------------------------------------- checks: errors
@semantic_check("validation_rejected", "invalid requests are rejected with 422 and change nothing", writes=False)
def validation_rejected(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id = f"{ctx.registry.prefix}-absent"
    for params, where in (({"size": 0}, "size"), ({"size": 101}, "size"), ({"page": 0}, "page")):
        reply = api.list_sessions(workspace_id, **params)
        body = reply.json()
        ok = reply.status == 422 and isinstance(body, dict) and isinstance(body.get("detail"), list) and any(
            isinstance(e, dict) and e.get("loc") == ["query", where] for e in body["detail"])
        ctx.check(ok, "out-of-range page or size not rejected as a validation error",
                  f"{params} should answer 422 with a detail item at ['query', '{where}']; "
                  f"answered {reply.exchange.response_excerpt()}", reply=reply)
    bad_ids = [f"{ctx.registry.prefix}-bad id!", f"{ctx.registry.prefix}-typed"]
    for body_sent in ({"id": bad_ids[0]}, {"id": bad_ids[1], "metadata": "nope"}, {}):
        reply = api.client.post("/v3/workspaces", json=body_sent)
        reply.operation = A.WS_CREATE
        body = reply.json()
        ctx.check(reply.status == 422 and isinstance(body, dict) and isinstance(body.get("detail"), list),
                  "invalid workspace accepted or wrongly rejected",
                  f"{short(body_sent)} should answer 422 with a list detail; answered {reply.exchange.response_excerpt()}",
                  reply=reply)
    reply = api.client.post("/v3/workspaces", content=b"not json", headers={"Content-Type": "application/json"})
    reply.operation = A.WS_CREATE
    ctx.check(reply.status == 422, "malformed JSON not rejected with 422", f"answered {reply.exchange.response_excerpt()}",
              reply=reply)
    reply = api.create_messages(workspace_id, "s", [])
    ctx.check(reply.status == 422, "empty message batch not rejected with 422",
              f"answered {reply.exchange.response_excerpt()}", reply=reply)
    reply = api.list_workspaces(filters={"id": {"in": bad_ids + [workspace_id]}})
    got = ids(ctx.page(reply)["items"])
    ctx.check(got == [], "a rejected request left something behind", f"listed {got}", reply=reply)
    for leftover in got:
        ctx.registry.add(leftover)


@semantic_check("missing_resources", "what does not exist: 404 for records, empty pages for lists", writes=False)
def missing_resources(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id = f"{ctx.registry.prefix}-nowhere"
    for reply in (api.list_sessions(workspace_id), api.list_peers(workspace_id), api.list_messages(workspace_id, "nosuch")):
        body = ctx.page(reply)
        ctx.check(body["items"] == [] and body["total"] == 0 and body["pages"] == 0,
                  "list under a missing parent is not an empty page", f"answered {short(body)}", reply=reply)
    reply = api.get_message(workspace_id, "nosuch", "nosuchmessage")
    body = reply.json()
    ctx.check(reply.status == 404 and isinstance(body, dict) and isinstance(body.get("detail"), str),
              "missing message is not a 404 with a string detail", f"answered {reply.exchange.response_excerpt()}",
              reply=reply)
    if not ctx.read_only:
        reply = api.delete_session(workspace_id, "nosuch")
        ctx.check(reply.status == 404, "deleting a missing session is not a 404",
                  f"answered {reply.exchange.response_excerpt()}", reply=reply)


# --------------------------------------------------------------------------- running
def run_checks(*, api: HonchoApi, registry: WorkspaceRegistry, seed: int, rounds: int, read_only: bool,
               label: Callable[[str], str], report: Callable[[Failure], None], selected: tuple[str, ...] | None,
               progress: Callable[[str], None], phase: str = "semantics") -> dict[str, int]:
    """Run the applicable checks in registry order; returns failures per check."""
    checks = [c for c in REGISTRY.values() if (selected is None or c.name in selected) and (c.writes is False or not read_only)]
    results: dict[str, int] = {}
    world: World | None = None
    world_failed = False
    if any(c.uses_world for c in checks):
        setup = CheckContext(name="setup", api=api, rng=random.Random(f"{seed}:world"), seed=seed, registry=registry,
                             rounds=rounds, read_only=read_only, label=label, report=report, phase=phase)
        with api.client.recording() as steps:
            setup.steps = steps
            try:
                world = discover_world(setup) if read_only else build_world(setup)
                world.steps = list(steps)
            except StopCheck:
                world_failed = True
        results["setup"] = setup.failures
        progress("setup")
    for check in checks:
        if check.uses_world and (world is None or world_failed):
            continue
        ctx = CheckContext(name=check.name, api=api, rng=random.Random(f"{seed}:{check.name}"), seed=seed,
                           registry=registry, rounds=rounds, read_only=read_only, label=label, report=report,
                           world=world, phase=phase)
        ctx.run(check.func)
        results[check.name] = ctx.failures
        progress(check.name)
    return results


def applicable(read_only: bool, selected: tuple[str, ...] | None) -> list[SemanticCheck]:
    return [c for c in REGISTRY.values() if (selected is None or c.name in selected) and (c.writes is False or not read_only)]


__all__ = ["REGISTRY", "semantic_check", "CheckContext", "run_checks", "applicable", "BudgetExceeded"]
