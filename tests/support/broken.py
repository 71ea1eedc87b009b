"""Deliberately broken variants of the mock, each one a realistic bug.

Every variant is a fresh `create_app()` whose ASGI app is wrapped (requests or responses
rewritten on the way) or whose store has one method replaced on that instance only; no
file of mockserver/ is touched. Each variant names the phases (and semantic checks) that
should catch it with a small budget, and the failure checks (fnmatch patterns) that must
appear in the report.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

from mockserver import create_app

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


# --------------------------------------------------------------------------- ASGI plumbing
@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key.decode("latin-1").lower() == name:
                return value.decode("latin-1")
        return ""

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.decode("latin-1").lower() != name]
        self.headers.append((name.encode("latin-1"), value.encode("latin-1")))

    @property
    def data(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @data.setter
    def data(self, value: Any) -> None:
        self.body = json.dumps(value, separators=(",", ":")).encode()


@dataclass
class Incoming:
    scope: Scope
    body: bytes

    @property
    def method(self) -> str:
        return self.scope["method"]

    @property
    def path(self) -> str:
        return self.scope["path"]

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))

    @query.setter
    def query(self, values: dict[str, str]) -> None:
        self.scope = {**self.scope, "query_string": urlencode(values).encode("latin-1")}

    @property
    def data(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


async def read_body(receive: Any) -> bytes:
    """A request's whole body, read from ASGI's receive."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


class Rewrite:
    """Wraps an ASGI app: `before` may change the request or answer it; `after` changes the answer."""

    def __init__(self, app: ASGIApp, *, before: Callable[[Incoming], Answer | None] | None = None,
                 after: Callable[[Incoming, Answer], None] | None = None,
                 before_async: Callable[[Incoming], Awaitable[Answer | None]] | None = None) -> None:
        self.app, self.before, self.after, self.before_async = app, before, after, before_async

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Incoming(scope, await read_body(receive))
        answer = self.before(incoming) if self.before else None
        if answer is None and self.before_async is not None:
            answer = await self.before_async(incoming)
        if answer is None:
            answer = await self._forward(incoming)
        if self.after is not None:
            self.after(incoming, answer)
        headers = [(k, v) for k, v in answer.headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def _forward(self, incoming: Incoming) -> Answer:
        sent = False

        async def receive() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": incoming.body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        answer = Answer(500, [], b"")
        parts: list[bytes] = []

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app(incoming.scope, receive, send)
        answer.body = b"".join(parts)
        return answer


def is_page(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("items"), list) and "total" in data


LIST_PATH = re.compile(r"(/list$|/peers/[^/]+/sessions$|/sessions/[^/]+/peers$)")
SESSION_DELETE = re.compile(r"^/v3/workspaces/[^/]+/sessions/[^/]+$")


def json_error(status: int, detail: str) -> Answer:
    return Answer(status, [(b"content-type", b"application/json")], json.dumps({"detail": detail}).encode())


# --------------------------------------------------------------------------- the variants
@dataclass
class Variant:
    name: str
    bug: str
    build: Callable[[], Any]  # -> an ASGI app (a fresh, broken mock)
    phases: tuple[str, ...]
    expect: tuple[str, ...]  # fnmatch patterns; at least one failure check must match each
    checks: tuple[str, ...] | None = None
    operations: tuple[str, ...] = ()  # contract phases: only these operationIds (regexes)
    options: dict[str, Any] = field(default_factory=dict)


VARIANTS: list[Variant] = []


def variant(name: str, bug: str, *, phases: tuple[str, ...], expect: tuple[str, ...], checks: tuple[str, ...] | None = None,
            operations: tuple[str, ...] = (), **options: Any) -> Callable:
    def register(build: Callable[[], Any]) -> Callable[[], Any]:
        VARIANTS.append(Variant(name, bug, build, phases, expect, checks, operations, options))
        return build
    return register


def fresh():  # type: ignore[no-untyped-def]
    return create_app(seed=11)


@variant("pages_math", "`pages` computed as total // size (floor instead of ceiling)",
         phases=("semantics",), checks=("pages_partition",), expect=("semantics:pages_partition",))
def pages_math() -> Any:
    def after(request: Incoming, answer: Answer) -> None:
        data = answer.data
        if is_page(data) and data.get("size"):
            data["pages"] = data["total"] // data["size"]
            answer.data = data
    return Rewrite(fresh().app, after=after)


@variant("reverse_ignored", "`reverse=true` is ignored: lists always come oldest first",
         phases=("semantics",), checks=("reverse_exact",), expect=("semantics:reverse_exact",))
def reverse_ignored() -> Any:
    def before(request: Incoming) -> None:
        query = request.query
        if query.pop("reverse", None) is not None:
            request.query = query
            request.scope.update(query_string=urlencode(query).encode())
    return Rewrite(fresh().app, before=before)


@variant("filters_ignored", "the `filters` of list bodies are ignored",
         phases=("semantics",), checks=("filters_reference",), expect=("semantics:filters_reference",))
def filters_ignored() -> Any:
    def before(request: Incoming) -> None:
        if request.method == "POST" and LIST_PATH.search(request.path):
            request.body = b"{}"
    return Rewrite(fresh().app, before=before)


@variant("size_not_honoured", "`size` is ignored (pages hold up to 50 items) but echoed back",
         phases=("semantics",), checks=("pages_partition",), expect=("semantics:pages_partition",))
def size_not_honoured() -> Any:
    def before(request: Incoming) -> None:
        query = request.query
        if "size" in query and LIST_PATH.search(request.path):
            request.scope["conformance.size"] = query.pop("size")
            request.scope.update(query_string=urlencode(query).encode())

    def after(request: Incoming, answer: Answer) -> None:
        data = answer.data
        wanted = request.scope.get("conformance.size")
        if is_page(data) and wanted and wanted.isdigit():
            data["size"] = int(wanted)
            data["pages"] = math.ceil(data["total"] / int(wanted)) if int(wanted) else 0
            answer.data = data
    return Rewrite(fresh().app, before=before, after=after)


def _drop_field(data: Any, field_name: str, marker: str) -> Any:
    if isinstance(data, dict):
        if marker in data and field_name in data:
            data = {k: v for k, v in data.items() if k != field_name}
        return {k: _drop_field(v, field_name, marker) for k, v in data.items()}
    if isinstance(data, list):
        return [_drop_field(v, field_name, marker) for v in data]
    return data


@variant("required_field_missing", "sessions are answered without their required `created_at`",
         phases=("contract",), expect=("response_schema_conformance",),
         operations=("get_or_create_session", "get_sessions_v3"), max_examples=4)
def required_field_missing() -> Any:
    def after(request: Incoming, answer: Answer) -> None:
        if "/sessions" in request.path and answer.status < 300:
            answer.data = _drop_field(answer.data, "created_at", "is_active")
    return Rewrite(fresh().app, after=after)


@variant("wrong_types", "list pages answer `total` as a string (a database count passed through unconverted)",
         phases=("contract",), expect=("response_schema_conformance",), operations=("get_sessions_v3",), max_examples=3)
def wrong_types() -> Any:
    def after(request: Incoming, answer: Answer) -> None:
        data = answer.data
        if is_page(data):
            data["total"] = str(data["total"])
            answer.data = data
    return Rewrite(fresh().app, after=after)


@variant("wrong_content_type", "lists answered as text/plain",
         phases=("contract",), expect=("content_type_conformance",),
         operations=("get_peers_v3",), max_examples=3)
def wrong_content_type() -> Any:
    def after(request: Incoming, answer: Answer) -> None:
        if request.path.endswith("/peers/list"):
            answer.set_header("content-type", "text/plain; charset=utf-8")
    return Rewrite(fresh().app, after=after)


@variant("server_error_on_odd_input", "an empty message content crashes the tokenizer (500)",
         phases=("contract",), expect=("not_a_server_error",),
         operations=("create_messages_for_session_v3_workspaces__workspace_id__sessions__session_id__messages_post",),
         max_examples=4)
def server_error_on_odd_input() -> Any:
    def before(request: Incoming) -> Answer | None:
        data = request.data
        if request.method == "POST" and request.path.endswith("/messages") and isinstance(data, dict):
            for message in data.get("messages") or []:
                if isinstance(message, dict) and message.get("content") == "":
                    return json_error(500, "Internal Server Error")
        return None
    return Rewrite(fresh().app, before=before)


@variant("invalid_input_accepted", "out-of-range `size`/`page` are clamped instead of rejected",
         phases=("contract",), expect=("negative_data_rejection",), operations=("get_sessions_v3",), max_examples=4)
def invalid_input_accepted() -> Any:
    def before(request: Incoming) -> None:
        query = request.query
        changed = False
        for name, low, high in (("size", 1, 100), ("page", 1, 10**6)):
            value = query.get(name)
            if value is not None:
                try:
                    number = int(value)
                except ValueError:
                    number = low
                clamped = str(min(max(number, low), high))
                if clamped != value:
                    query[name], changed = clamped, True
        if changed:
            request.scope.update(query_string=urlencode(query).encode())
    return Rewrite(fresh().app, before=before)


@variant("wrong_status_code", "deleting a session answers 200 instead of 202",
         phases=("semantics",), checks=("delete_removes",), expect=("semantics:delete_removes",))
def wrong_status_code() -> Any:
    def after(request: Incoming, answer: Answer) -> None:
        if request.method == "DELETE" and SESSION_DELETE.match(request.path) and answer.status == 202:
            answer.status = 200
    return Rewrite(fresh().app, after=after)


@variant("created_answers_200", "get-or-create answers 200 even when it created the record",
         phases=("semantics",), checks=("get_or_create",), expect=("semantics:get_or_create",))
def created_answers_200() -> Any:
    def after(request: Incoming, answer: Answer) -> None:
        if request.method == "POST" and answer.status == 201:
            answer.status = 200
    return Rewrite(fresh().app, after=after)


@variant("delete_without_effect", "deleting a session answers 202 but keeps it",
         phases=("semantics",), checks=("delete_removes",), expect=("semantics:delete_removes",))
def delete_without_effect() -> Any:
    def before(request: Incoming) -> Answer | None:
        if request.method == "DELETE" and SESSION_DELETE.match(request.path):
            return Answer(202, [(b"content-type", b"application/json")], b'{"message":"Session deleted successfully"}')
        return None
    return Rewrite(fresh().app, before=before)


@variant("stale_lists", "list answers are cached and only refreshed when something is created",
         phases=("semantics",), checks=("update_visible", "delete_removes"),
         expect=("semantics:update_visible", "semantics:delete_removes"))
def stale_lists() -> Any:
    cache: dict[tuple[str, bytes, bytes], Answer] = {}

    def before(request: Incoming) -> Answer | None:
        key = (request.path, request.scope.get("query_string", b""), request.body)
        if request.method == "POST" and not LIST_PATH.search(request.path):
            cache.clear()  # creates invalidate; updates and deletes forget to
        if LIST_PATH.search(request.path) and key in cache:
            return copy.deepcopy(cache[key])
        return None

    def after(request: Incoming, answer: Answer) -> None:
        if LIST_PATH.search(request.path) and answer.status == 200:
            cache[(request.path, request.scope.get("query_string", b""), request.body)] = copy.deepcopy(answer)
    return Rewrite(fresh().app, before=before, after=after)


@variant("leak_across_workspaces", "the peers list forgets its workspace condition",
         phases=("semantics",), checks=("workspace_isolation",), expect=("semantics:workspace_isolation",))
def leak_across_workspaces() -> Any:
    server = fresh()
    store = server.store
    original = store.list_peers

    def list_peers(workspace_id: str, filters: Any = None, kind: str | None = None) -> list:
        return [peer for other in list(store.workspaces) for peer in original(other, filters, kind)]

    store.list_peers = list_peers  # type: ignore[method-assign]
    return server.app


@variant("message_order", "messages listed by content instead of creation order",
         phases=("semantics",), checks=("message_order",), expect=("semantics:message_order",))
def message_order() -> Any:
    def after(request: Incoming, answer: Answer) -> None:
        data = answer.data
        if request.path.endswith("/messages/list") and is_page(data):
            data["items"] = sorted(data["items"], key=lambda m: str(m.get("content")))
            answer.data = data
    return Rewrite(fresh().app, after=after)


@variant("child_through_other_parent", "a message is found by id in any session of the workspace",
         phases=("semantics",), checks=("parent_confinement",), expect=("semantics:parent_confinement",))
def child_through_other_parent() -> Any:
    server = fresh()
    store = server.store
    original = store.message

    def message(workspace_id: str, session_id: str, message_id: str) -> Any:
        for state in list(store.workspaces.values()):
            for other in list(state.sessions):
                try:
                    return original(state.record["id"], other, message_id)
                except Exception:
                    continue
        return original(workspace_id, session_id, message_id)

    store.message = message  # type: ignore[method-assign]
    return server.app


@variant("update_not_persisted", "a session update is answered but not stored",
         phases=("semantics",), checks=("update_visible",), expect=("semantics:update_visible",))
def update_not_persisted() -> Any:
    server = fresh()
    store = server.store
    original = store.update_session

    def update_session(workspace_id: str, session_id: str, metadata: Any, configuration: Any) -> Any:
        state = store.session(workspace_id, session_id)
        if state is None:
            return original(workspace_id, session_id, metadata, configuration)
        answer = copy.deepcopy(state.record)
        if metadata is not None:
            answer["metadata"] = copy.deepcopy(metadata)
        return answer

    store.update_session = update_session  # type: ignore[method-assign]
    return server.app


@variant("second_create_overwrites", "creating an existing workspace again overwrites its metadata",
         phases=("semantics",), checks=("get_or_create",), expect=("semantics:get_or_create",))
def second_create_overwrites() -> Any:
    server = fresh()
    store = server.store
    original = store.get_or_create_workspace

    def get_or_create_workspace(workspace_id: str, metadata: Any = None, configuration: Any = None) -> Any:
        record, created = original(workspace_id, metadata, configuration)
        if not created and metadata is not None:
            record["metadata"] = copy.deepcopy(metadata)
            store.workspaces.changed(workspace_id)  # the store's tables answer filters from indexes: tell them
        return record, created

    store.get_or_create_workspace = get_or_create_workspace  # type: ignore[method-assign]
    return server.app


@variant("racy_get_or_create", "check-then-insert without a lock: concurrent creators all get 201",
         phases=("concurrency",), expect=("concurrency:shared_get_or_create",), concurrency=4)
def racy_get_or_create() -> Any:
    server = fresh()
    peer_create = re.compile(r"^/v3/workspaces/([^/]+)/peers$")

    async def before_async(request: Incoming) -> Answer | None:
        match = peer_create.match(request.path)
        data = request.data
        if request.method != "POST" or not match or not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return None
        existed = server.store.peer(match.group(1), data["id"]) is not None
        await asyncio.sleep(0.02)  # the window between the existence check and the insert
        request.scope["conformance.existed"] = existed
        return None

    def after(request: Incoming, answer: Answer) -> None:
        if request.scope.get("conformance.existed") is False and answer.status == 200:
            answer.status = 201
    return Rewrite(server.app, before_async=before_async, after=after)


__all__ = ["VARIANTS", "Variant", "Rewrite"]
