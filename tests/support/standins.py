"""Small stand-ins for the real Honcho server: the mock, changed to behave as the real one
does where that behaviour is allowed (or is a real defect) and was once reported as noise.

Each is built like the broken variants (tests/support/broken.py): a fresh mock
whose ASGI app is wrapped; no file of mockserver/ is touched.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from typing import Any, Callable

from mockserver import create_app
from support.broken import Answer, Incoming, Rewrite, json_error, read_body

WORKSPACE_DELETE = re.compile(r"^/v3/workspaces/([^/]+)$")
SESSION_CREATE = re.compile(r"^/v3/workspaces/([^/]+)/sessions$")
THREE_LISTS = re.compile(r"^/v3/workspaces(/[^/]+/(peers|sessions))?/list$")


class AsynchronousDelete:
    """DELETE of a workspace answers 202 and is carried out by a "worker" only after `after`
    more requests (never when `after` is None), as the real server's background worker does:
    until then the workspace stays listed."""

    def __init__(self, after: int | None = 3) -> None:
        self.server = create_app(seed=31)
        self.after = after
        self.requests = 0
        self.queued: dict[str, int] = {}  # workspace id -> request count at which the worker runs
        self.accepted = 0
        self.lock = threading.Lock()
        self.app = Rewrite(self.server.app, before=self.before)

    def before(self, request: Incoming) -> Answer | None:
        with self.lock:
            self.requests += 1
            for workspace_id, due in list(self.queued.items()):
                if self.requests >= due:
                    del self.queued[workspace_id]
                    if self.server.store.workspace(workspace_id) is not None:
                        self.server.store.delete_workspace(workspace_id)
            match = WORKSPACE_DELETE.match(request.path)
            if request.method != "DELETE" or not match:
                return None
            workspace = self.server.store.workspace(match.group(1))
            if workspace is None:
                return json_error(404, f"Workspace {match.group(1)} not found")
            if workspace.sessions:
                return None  # 409, as the mock answers it
            self.accepted += 1
            if self.after is not None:
                self.queued.setdefault(match.group(1), self.requests + self.after)
            body = json.dumps({"message": "Workspace deletion accepted"}).encode()
            return Answer(202, [(b"content-type", b"application/json")], body)


class TiesInAnyOrder:
    """Records one request makes share `created_at` (here: the peers of one session create),
    and among them the server's own order holds (here: by id, descending), not request order,
    as the real server orders ties by its internal id."""

    def __init__(self) -> None:
        self.server = create_app(seed=32)
        self.reordered = 0
        self.app = Rewrite(self.server.app, before=self.before, after=self.after)
        self.known: set[str] = set()

    def before(self, request: Incoming) -> Answer | None:
        """Remember which peers exist, to tell the ones a session create makes."""
        match = SESSION_CREATE.match(request.path)
        if request.method == "POST" and match:
            workspace = self.server.store.workspace(match.group(1))
            self.known = set(workspace.peers) if workspace else set()
        return None

    def after(self, request: Incoming, answer: Answer) -> None:
        match = SESSION_CREATE.match(request.path)
        if request.method == "POST" and match and answer.status in (200, 201):
            self._tie(match.group(1), request.data)

    def _tie(self, workspace_id: str, body: Any) -> None:
        workspace = self.server.store.workspace(workspace_id)
        peers = body.get("peers") if isinstance(body, dict) else None
        if workspace is None or not isinstance(peers, dict):
            return
        made = [p for p in peers if p in workspace.peers and p not in self.known]
        if len(made) < 2:
            return
        stamp = min(workspace.peers[p].record["created_at"] for p in made)
        for peer_id in made:
            workspace.peers[peer_id].record["created_at"] = stamp
        server_order = sorted(made, reverse=True)
        if server_order != made:
            self.reordered += 1
        moved = {p: workspace.peers.pop(p) for p in server_order}
        workspace.peers.update(moved)


class ServerErrorInThreeOperations:
    """One input (`reverse=true`) crashes three list operations with a 500."""

    def __init__(self) -> None:
        self.server = create_app(seed=33)
        self.app = Rewrite(self.server.app, before=self.before)

    @staticmethod
    def before(request: Incoming) -> Answer | None:
        if request.method == "POST" and THREE_LISTS.match(request.path) and request.query.get("reverse") == "true":
            return json_error(500, "An unexpected error occurred")
        return None


class FlakyDelete:
    """The first DELETE of each workspace answers 503: clean-up must retry."""

    def __init__(self) -> None:
        self.server = create_app(seed=34)
        self.failed: set[str] = set()
        self.app = Rewrite(self.server.app, before=self.before)

    def before(self, request: Incoming) -> Answer | None:
        match = WORKSPACE_DELETE.match(request.path)
        if request.method == "DELETE" and match and match.group(1) not in self.failed:
            self.failed.add(match.group(1))
            return json_error(503, "Service Unavailable")
        return None


__all__ = ["AsynchronousDelete", "TiesInAnyOrder", "ServerErrorInThreeOperations", "FlakyDelete", "CrashAndClose",
           "RealServerDefects", "WorkerDeletesSessionsLater", "Defects307"]


CLONE = re.compile(r"^/v3/workspaces/([^/]+)/sessions/([^/]+)/clone$")


class RealServerDefects:
    """Two defects of Honcho 3.0.7 the tester must name: a 405 whose Allow header names
    only the first method of its path, and a clone that selects the messages to copy by
    session name only, across workspaces: when the source session holds messages too, the
    copy collides (duplicate key: 500); when it is empty, the clone answers 201 and holds the
    other workspace's messages."""

    def __init__(self) -> None:
        self.server = create_app(seed=35)
        self.collisions = 0
        self.app = Rewrite(self.server.app, before=self.before, after=self.after)

    def before(self, request: Incoming) -> Answer | None:
        match = CLONE.match(request.path)
        if request.method != "POST" or not match:
            return None
        store = self.server.store
        source = store.session(match.group(1), match.group(2))
        workspace = store.workspace(match.group(1))
        others = [o for o in (store.session(w, match.group(2)) for w in list(store.workspaces) if w != match.group(1))
                  if o is not None and o.messages]
        authors = {m["peer_id"] for o in others for m in o.messages.values()}
        if source is not None and workspace is not None and others and (
                source.messages  # the copies collide with the source's own (duplicate key)
                or not authors <= set(workspace.peers)  # an author no peer of this workspace (foreign key)
                or authors & set(source.peers)):  # an author already in the session (duplicate key)
            self.collisions += 1
            return json_error(500, "An unexpected error occurred")
        return None

    def after(self, request: Incoming, answer: Answer) -> None:
        if answer.status == 405 and answer.header("allow"):
            answer.set_header("allow", answer.header("allow").split(",")[0].strip())
        match = CLONE.match(request.path)
        if request.method == "POST" and match and answer.status == 201 and isinstance(answer.data, dict):
            source_workspace, name = match.group(1), match.group(2)
            store = self.server.store
            for workspace_id in list(store.workspaces):
                state = store.session(workspace_id, name)
                if workspace_id == source_workspace or state is None:
                    continue
                leaked = [{"peer_id": m["peer_id"], "content": m["content"]} for m in state.messages.values()]
                if leaked:
                    store.create_messages(source_workspace, answer.data["id"], leaked)


REAL_500 = {"detail": "An unexpected error occurred"}
ID_RULE = re.compile(r"^[A-Za-z0-9_-]{1,512}$")
PUT_WORKSPACE = re.compile(r"^/v3/workspaces/([^/]+)$")


class CrashAndClose:
    """A handler that crashes as the real server's do: the answer is a 500, then the exception
    leaves the app and uvicorn closes the keep-alive connection. A client that already sent its
    next request on that connection gets no answer to it (it is reset or cut off).

    Under load the next request is often on the wire before the connection closes; here the
    crash waits (at most 5 s) until it is, so that it happens every time: the next request on
    the same connection is read, and left unanswered when the connection closes. Everything
    else is the mock's. Serve it with `loopback_server(..., as_uvicorn_does=True)`."""

    def __init__(self, crashes: Callable[["Incoming"], bool], seed: int = 39, *, answers: bool = True) -> None:
        self.server = create_app(seed=seed)
        self.crashes = crashes
        self.answers = answers  # False: the crash comes after the answer's head, before its body
        self.crashed: list[str] = []   # "METHOD path" of each request that crashed
        self.cut_off: list[str] = []   # "METHOD path" of each request left unanswered by a crash
        self._waiting: dict[Any, asyncio.Event] = {}  # connection -> the crash waiting for its next request

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.server.app(scope, receive, send)
            return
        body = await read_body(receive)
        incoming = Incoming(scope, body)
        connection = scope.get("client")
        waiting = self._waiting.pop(connection, None)
        if waiting is not None:  # the crash on this connection is about to close it under this request
            waiting.set()
            self.cut_off.append(f"{incoming.method} {incoming.path}")
            try:
                while (await asyncio.wait_for(receive(), 5))["type"] != "http.disconnect":
                    pass
                return  # the connection is gone: nothing can be answered
            except asyncio.TimeoutError:
                pass  # it stayed open after all: answer normally
        if self.crashes(incoming):
            self.crashed.append(f"{incoming.method} {incoming.path}")
            payload = json.dumps(REAL_500).encode()
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
            if not self.answers:
                raise RuntimeError("the handler crashed while answering")
            await send({"type": "http.response.body", "body": payload})
            event = self._waiting[connection] = asyncio.Event()
            try:
                await asyncio.wait_for(event.wait(), 5)
            except asyncio.TimeoutError:
                self._waiting.pop(connection, None)
            raise RuntimeError("the handler crashed")
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.server.app(scope, replay, send)


def path_id_outside_the_id_rule(incoming: "Incoming") -> bool:
    """Honcho 3.0.7: a workspace id outside the id rule reaching its get-or-create (PUT) crashes it."""
    match = PUT_WORKSPACE.match(incoming.path)
    return incoming.method == "PUT" and match is not None and not ID_RULE.match(match.group(1))


CLONE_PATH = re.compile(r"^/v3/workspaces/[^/]+/sessions/[^/]+/clone$")


def clone(incoming: "Incoming") -> bool:
    return incoming.method == "POST" and CLONE_PATH.match(incoming.path) is not None


SESSION_PATH = re.compile(r"^/v3/workspaces/([^/]+)/sessions/([^/]+)$")


class WorkerDeletesSessionsLater:
    """Session deletion as the real server does it: the DELETE answers 202 and the session
    leaves the workspace's lists at once but stays, inactive, in its peers' own lists until the
    background worker has run (`after` more requests; never when None), which then removes it
    from those too."""

    def __init__(self, after: int | None) -> None:
        self.server = create_app(seed=40)
        self.after = after
        self.requests = 0
        self.due: dict[tuple[str, str], int] = {}
        self.purged = 0
        self.app = Rewrite(self.server.app, before=self.before, after=self.after_answer)

    def before(self, request: Incoming) -> None:
        self.requests += 1
        for (workspace_id, session_id), due in list(self.due.items()):
            if self.requests > due:
                del self.due[(workspace_id, session_id)]
                self._purge(workspace_id, session_id)

    def after_answer(self, request: Incoming, answer: Answer) -> None:
        match = SESSION_PATH.match(request.path)
        if request.method == "DELETE" and match and answer.status == 202 and self.after is not None:
            self.due[(match.group(1), match.group(2))] = self.requests + self.after

    def _purge(self, workspace_id: str, session_id: str) -> None:
        workspace = self.server.store.workspace(workspace_id)
        if workspace is None or workspace.deleted_sessions.pop(session_id, None) is None:
            return
        for peer in workspace.peers.values():
            peer.sessions.pop(session_id, None)
        self.purged += 1


LISTS = re.compile(r"^/v3/workspaces(/[^/]+/peers)?/list$")
PEER_CREATE = re.compile(r"^/v3/workspaces/([^/]+)/peers$")
CONCLUSIONS = re.compile(r"^/v3/workspaces/[^/]+/conclusions$")


class Defects307:
    """Four defects of Honcho 3.0.7, each answered with the same 500: a workspace id outside the
    id rule reaching its get-or-create (PUT workspace, create peer), a `page` past the database's
    integer range (the workspace and peer lists), a conclusion naming an empty observer or
    observed peer, and a NUL in a new workspace's metadata (Postgres refuses it in text)."""

    def __init__(self) -> None:
        self.server = create_app(seed=41, api_version="3.0.7")
        self.app = Rewrite(self.server.app, before=self.before)

    @staticmethod
    def before(request: Incoming) -> Answer | None:
        crash = json_error(500, "An unexpected error occurred")
        path, data = request.path, request.data
        workspace = PUT_WORKSPACE.match(path) if request.method == "PUT" else PEER_CREATE.match(path)
        valid_body = isinstance(data, dict) and (request.method == "PUT" or isinstance(data.get("id"), str))
        if request.method in ("PUT", "POST") and workspace and workspace.group(1) != "list" \
                and not ID_RULE.match(workspace.group(1)) and valid_body:  # the handler runs after validation
            return crash
        page = request.query.get("page", "")
        if request.method == "POST" and LISTS.match(path) and page.isdigit() and int(page) > 2**31 - 1:
            return crash
        conclusions = data.get("conclusions") if isinstance(data, dict) else None
        if request.method == "POST" and CONCLUSIONS.match(path) and isinstance(conclusions, list) and conclusions \
                and all(_valid_conclusion(c) for c in conclusions) \
                and any("" in (c["observer_id"], c["observed_id"]) for c in conclusions):
            return crash  # a valid body (the handler runs after validation) naming an empty peer
        if request.method == "POST" and path == "/v3/workspaces" and isinstance(data, dict) \
                and isinstance(data.get("id"), str) and _holds_nul(data.get("metadata")):  # after validation
            return crash
        return None


def _valid_conclusion(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("content"), str) and bool(item["content"]) \
        and isinstance(item.get("observer_id"), str) and isinstance(item.get("observed_id"), str)


# The escape \u0000 where it is not itself escaped (\\u0000 is a backslash, then plain text).
NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _holds_nul(value: Any) -> bool:
    r"""Whether Postgres refuses this value as jsonb: its JSON text holds the escape \u0000."""
    return NUL_ESCAPE.search(json.dumps(value)) is not None
