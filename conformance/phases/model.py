"""A hypothesis state machine: random sequences of writes and reads, against a model.

Each example works in a fresh workspace of the run. Rules create, update and delete
peers, sessions and messages, and every read (a page of a list with random size,
page, `reverse` and filter; a message by id; a peer's session list) is compared with
what an in-memory model of the API says it must answer. The first disagreement stops
the run; hypothesis replays it and the replay's requests become the reproduction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.reporting import with_reporter
from hypothesis.stateful import (
    RuleBasedStateMachine,
    get_state_machine_test,
    precondition,
    rule,
)

from conformance.core.client import BudgetExceeded, Reply, TransportFailure
from conformance.core.vocabulary import Failure
from conformance.honcho.api import HonchoApi
from conformance.honcho.filter_generator import KINDS
from conformance.honcho.filters_reference import evaluate
from conformance.honcho.workspaces import RunWorkspaces
from conformance.phases.steady_generation import steady_generation

PEERS = ("ann", "bob", "cid", "dee")
SESSIONS = ("s1", "s2", "s3", "s4", "s5", "s6")
METADATA = st.fixed_dictionaries({}, optional={"kind": st.sampled_from(KINDS), "rank": st.integers(0, 9),
                                               "flag": st.booleans()})
FILTERS = st.one_of(
    st.none(),
    st.builds(lambda k: {"metadata": {"kind": k}}, st.sampled_from(KINDS)),
    st.builds(lambda op, n: {"metadata": {"rank": {op: n}}}, st.sampled_from(("gte", "lt", "ne")), st.integers(0, 9)),
    st.builds(lambda b: {"metadata": {"flag": b}}, st.booleans()),
    st.builds(lambda ids: {"id": {"in": list(ids)}}, st.lists(st.sampled_from(SESSIONS + PEERS), min_size=1, max_size=3)),
)
PAGING = st.fixed_dictionaries({"size": st.integers(1, 4), "page": st.integers(1, 4), "reverse": st.booleans()})


class ModelDisagrees(AssertionError):
    def __init__(self, title: str, message: str, reply: Reply | None) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message
        self.reply = reply


@dataclass
class SessionModel:
    record: dict[str, Any]
    active: bool = True
    members: list[str] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)


def build_machine(api: HonchoApi, workspaces: RunWorkspaces,
                  seen: list[ModelDisagrees] | None = None) -> type[RuleBasedStateMachine]:
    """A state machine class bound to one client and the run's workspaces; `seen` collects every
    disagreement as it happens (what to report when hypothesis cannot replay one)."""
    witnessed = seen if seen is not None else []

    class HonchoModel(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.start = api.client.requests_sent
            self.workspace = workspaces.new_id("model")
            reply = api.create_workspace(self.workspace, {})
            self.expect(reply, 201, "Creating a new workspace")
            self.peers: dict[str, dict[str, Any]] = {}
            self.sessions: dict[str, SessionModel] = {}
            self.order: list[str] = []  # sessions by creation
            self.purged: set[str] = set()  # deleted sessions the server's worker has removed from peers' lists

        # -- helpers ---------------------------------------------------------------------
        def expect(self, reply: Reply, status: int, what: str) -> Any:
            if reply.status != status:
                self.disagree(ModelDisagrees(f"expected {status}, got {reply.status}",
                                             f"{what} should answer {status}; it answered "
                                             f"{reply.exchange.response_excerpt()}", reply))
            return reply.json()

        def agree(self, condition: bool, title: str, message: str, reply: Reply | None) -> None:
            if not condition:
                self.disagree(ModelDisagrees(title, message, reply))

        def disagree(self, exc: ModelDisagrees) -> None:
            witnessed.append(exc)
            raise exc

        def _touch_peer(self, peer_id: str) -> None:
            self.peers.setdefault(peer_id, {"id": peer_id, "metadata": {}})

        def _join(self, session_id: str, peer_ids: list[str]) -> None:
            for peer_id in peer_ids:
                self._touch_peer(peer_id)
                members = self.sessions[session_id].members
                if peer_id not in members:
                    members.append(peer_id)

        def _ensure_session(self, session_id: str, record: dict[str, Any] | None) -> None:
            if session_id not in self.sessions:
                self.sessions[session_id] = SessionModel(record or {"id": session_id, "metadata": {}, "is_active": True})
                self.order.append(session_id)

        def live_sessions(self) -> list[dict[str, Any]]:
            return [self.sessions[s].record for s in self.order if self.sessions[s].active]

        def usable(self, session_id: str) -> bool:
            return session_id not in self.sessions or self.sessions[session_id].active

        def compare_page(self, reply: Reply, expected: list[dict[str, Any]], paging: dict[str, Any], what: str,
                         keys: tuple[str, ...] = ("id", "metadata"), quiet: bool = False) -> None:
            """`quiet`: a disagreement is raised but not recorded (a first look the caller may redo)."""
            if quiet and reply.status != 200:
                raise ModelDisagrees("not a page", "", reply)
            body = self.expect(reply, 200, what)
            size, page = paging["size"], paging["page"]
            ordered = expected[::-1] if paging["reverse"] else expected
            window = ordered[(page - 1) * size: page * size]
            want = {"total": len(expected), "pages": math.ceil(len(expected) / size), "page": page, "size": size,
                    "items": [{k: r.get(k) for k in keys} for r in window]}
            got = {k: body.get(k) for k in ("total", "pages", "page", "size")} if isinstance(body, dict) else {}
            items = body.get("items") if isinstance(body, dict) else None
            got["items"] = [{k: i.get(k) for k in keys} for i in items if isinstance(i, dict)] if isinstance(items, list) else items
            same = got == want or (
                {k: v for k, v in got.items() if k != "items"} == {k: v for k, v in want.items() if k != "items"}
                and isinstance(items, list) and ties_reordered(window, items, ordered, keys))
            if quiet and not same:
                raise ModelDisagrees("page differs", "", reply)
            self.agree(same, f"{what}: page differs from the model", f"expected {want}\ngot      {got}", reply)

        # -- writes ----------------------------------------------------------------------
        @rule(peer=st.sampled_from(PEERS), metadata=METADATA)
        def create_peer(self, peer: str, metadata: dict[str, Any]) -> None:
            known = peer in self.peers
            reply = api.create_peer(self.workspace, peer, metadata)
            body = self.expect(reply, 200 if known else 201, "Creating a peer (get-or-create)")
            self.agree(isinstance(body, dict) and body.get("id") == peer and body.get("metadata") == metadata,
                       "peer create answer differs from the model", f"expected id {peer} metadata {metadata}, got {body}", reply)
            self.peers[peer] = body

        @rule(session=st.sampled_from(SESSIONS), metadata=METADATA,
              members=st.lists(st.sampled_from(PEERS), max_size=2, unique=True))
        def create_session(self, session: str, metadata: dict[str, Any], members: list[str]) -> None:
            if not self.usable(session):
                return
            known = session in self.sessions
            reply = api.create_session(self.workspace, session, metadata, peers={p: {} for p in members} or None)
            body = self.expect(reply, 200 if known else 201, "Creating a session (get-or-create)")
            self.agree(isinstance(body, dict) and body.get("id") == session and body.get("metadata") == metadata,
                       "session create answer differs from the model", f"expected id {session} metadata {metadata}, got {body}",
                       reply)
            self._ensure_session(session, body)
            self.sessions[session].record = body
            self._join(session, members)

        @rule(session=st.sampled_from(SESSIONS), metadata=METADATA)
        def update_session(self, session: str, metadata: dict[str, Any]) -> None:
            if not self.usable(session):
                return
            reply = api.update_session(self.workspace, session, {"metadata": metadata})
            body = self.expect(reply, 200, "Updating a session (PUT creates a missing one)")
            self.agree(isinstance(body, dict) and body.get("metadata") == metadata, "session update answer differs",
                       f"expected metadata {metadata}, got {body}", reply)
            self._ensure_session(session, body)
            self.sessions[session].record = body

        @rule(peer=st.sampled_from(PEERS), metadata=METADATA)
        def update_peer(self, peer: str, metadata: dict[str, Any]) -> None:
            reply = api.update_peer(self.workspace, peer, {"metadata": metadata})
            body = self.expect(reply, 200, "Updating a peer (PUT creates a missing one)")
            self.agree(isinstance(body, dict) and body.get("metadata") == metadata, "peer update answer differs",
                       f"expected metadata {metadata}, got {body}", reply)
            self.peers[peer] = body

        @rule(session=st.sampled_from(SESSIONS),
              batch=st.lists(st.tuples(st.sampled_from(PEERS), st.sampled_from(("hi", "hello there", "a b c", "zebra"))),
                             min_size=1, max_size=3))
        def add_messages(self, session: str, batch: list[tuple[str, str]]) -> None:
            if not self.usable(session):
                return
            sent = [{"peer_id": p, "content": c} for p, c in batch]
            reply = api.create_messages(self.workspace, session, sent)
            body = self.expect(reply, 201, "Adding messages (creates a missing session)")
            self.agree(isinstance(body, list) and [(m.get("peer_id"), m.get("content")) for m in body] == list(batch),
                       "message batch answer differs", f"sent {sent}, got {body}", reply)
            if session not in self.sessions:
                self._ensure_session(session, None)
            self._join(session, [p for p, _ in batch])
            self.sessions[session].messages += body

        @precondition(lambda self: any(s.active for s in self.sessions.values()))
        @rule(data=st.data())
        def delete_session(self, data: st.DataObject) -> None:
            session = data.draw(st.sampled_from(sorted(s for s, m in self.sessions.items() if m.active)), label="session")
            reply = api.delete_session(self.workspace, session)
            self.expect(reply, 202, "Deleting a session")
            self.sessions[session].active = False
            self.sessions[session].record = {**self.sessions[session].record, "is_active": False}

        @precondition(lambda self: any(s.messages for s in self.sessions.values() if s.active))
        @rule(data=st.data(), metadata=METADATA)
        def update_message(self, data: st.DataObject, metadata: dict[str, Any]) -> None:
            session = data.draw(st.sampled_from(sorted(s for s, m in self.sessions.items() if m.messages and m.active)))
            index = data.draw(st.integers(0, len(self.sessions[session].messages) - 1))
            message = self.sessions[session].messages[index]
            reply = api.update_message(self.workspace, session, message["id"], {"metadata": metadata})
            body = self.expect(reply, 200, "Updating a message")
            self.agree(isinstance(body, dict) and body.get("metadata") == metadata and body.get("id") == message["id"],
                       "message update answer differs", f"expected metadata {metadata}, got {body}", reply)
            self.sessions[session].messages[index] = body

        # -- reads -----------------------------------------------------------------------
        @rule(paging=PAGING, filters=FILTERS)
        def list_sessions(self, paging: dict[str, Any], filters: Any) -> None:
            expected = evaluate(filters, self.live_sessions(), "session")
            reply = api.list_sessions(self.workspace, filters=filters, **paging)
            self.compare_page(reply, expected, paging, "sessions list")

        @rule(paging=PAGING, filters=FILTERS)
        def list_peers(self, paging: dict[str, Any], filters: Any) -> None:
            expected = evaluate(filters, [self.peers[p] for p in self._peer_order()], "peer")
            reply = api.list_peers(self.workspace, filters=filters, **paging)
            self.compare_page(reply, expected, paging, "peers list")

        def _peer_order(self) -> list[str]:
            return list(self.peers)

        @precondition(lambda self: bool(self.sessions))
        @rule(data=st.data(), paging=PAGING)
        def list_messages(self, data: st.DataObject, paging: dict[str, Any]) -> None:
            session = data.draw(st.sampled_from(sorted(s for s, m in self.sessions.items() if m.active) or [""]))
            if not session:
                return
            reply = api.list_messages(self.workspace, session, **paging)
            self.compare_page(reply, self.sessions[session].messages, paging, "messages list",
                              keys=("id", "content", "peer_id", "metadata"))

        @precondition(lambda self: bool(self.peers))
        @rule(data=st.data(), paging=PAGING)
        def list_peer_sessions(self, data: st.DataObject, paging: dict[str, Any]) -> None:
            """A deleted session stays, inactive, in its peers' own lists until the server's worker has
            run, then leaves them: both are Honcho's. The model learns which deleted sessions the
            server no longer lists (from the whole list), and judges the page with that knowledge."""
            peer = data.draw(st.sampled_from(sorted(self.peers)))
            for attempt in range(3):
                joined = [self.sessions[s].record for s in self.order
                          if peer in self.sessions[s].members and s not in self.purged]
                reply = api.peer_sessions(self.workspace, peer, **paging)
                pending = [r for r in joined if r.get("is_active") is False]
                if not pending or attempt == 2 or self.page_agrees(reply, joined, paging):
                    break
                whole = api.peer_sessions(self.workspace, peer, page=1, size=100)
                listed = {str(i.get("id")) for i in (whole.json() or {}).get("items", []) if isinstance(i, dict)} \
                    if whole.status == 200 and isinstance(whole.json(), dict) else None
                if listed is None:
                    break
                self.purged |= {str(r["id"]) for r in pending if str(r["id"]) not in listed}
            self.compare_page(reply, joined, paging, "peer's session list", keys=("id", "metadata", "is_active"))

        def page_agrees(self, reply: Reply, expected: list[dict[str, Any]], paging: dict[str, Any]) -> bool:
            try:
                self.compare_page(reply, expected, paging, "peer's session list", keys=("id", "metadata", "is_active"),
                                  quiet=True)
            except ModelDisagrees:
                return False
            return True

        @precondition(lambda self: any(s.messages for s in self.sessions.values() if s.active))
        @rule(data=st.data())
        def get_message(self, data: st.DataObject) -> None:
            session = data.draw(st.sampled_from(sorted(s for s, m in self.sessions.items() if m.messages and m.active)))
            message = data.draw(st.sampled_from(self.sessions[session].messages))
            reply = api.get_message(self.workspace, session, message["id"])
            body = self.expect(reply, 200, "Reading a message")
            self.agree(body == message, "message read differs from the model", f"expected {message}\ngot      {body}", reply)

    HonchoModel.__name__ = "HonchoModel"
    return HonchoModel


def ties_reordered(window: list[dict[str, Any]], items: list[Any], ordered: list[dict[str, Any]],
                   keys: tuple[str, ...]) -> bool:
    """Whether `items` is the expected `window` up to the order among records with equal
    `created_at`: records made by one request share it (the peers of a session create, the
    messages of a batch), and a server may order them by its own ids, not by request order."""
    if len(items) != len(window) or not all(isinstance(i, dict) for i in items):
        return False
    # A record the model only knows as made on the side (a session create's peers) has no stamp there.
    if not all(w.get("created_at") in (None, i.get("created_at")) for w, i in zip(window, items)):
        return False
    if len({str(i.get("id")) for i in items}) != len(items):
        return False
    tie_groups: dict[Any, list[dict[str, Any]]] = {}
    for record in ordered:
        tie_groups.setdefault(record.get("created_at"), []).append({k: record.get(k) for k in keys})
    return all({k: i.get(k) for k in keys} in tie_groups.get(i.get("created_at"), []) + tie_groups.get(None, [])
               for i in items)


def run_model(*, api: HonchoApi, workspaces: RunWorkspaces, seed: int, examples: int, steps: int, shrink: bool,
              label: Callable[[str], str], report: Callable[[Failure], None], phase: str = "model",
              not_run: Callable[[str, str], None] | None = None) -> int:
    """Run the state machine; returns the number of failures reported (0 or 1)."""
    seen: list[ModelDisagrees] = []
    machine = build_machine(api, workspaces, seen)
    test = get_state_machine_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, database=None, derandomize=False,
        suppress_health_check=list(HealthCheck), phases=(Phase.generate, Phase.shrink) if shrink else (Phase.generate,),
        report_multiple_bugs=False, print_blob=False))
    test = hypothesis_seed(seed)(test)
    printed: list[str] = []
    start = api.client.requests_sent
    try:
        with with_reporter(printed.append), steady_generation():
            test()
    except ModelDisagrees as exc:
        report(_failure(exc, api, start, printed, seed, label, phase))
        return 1
    except Flaky as exc:  # replayed, the sequence went otherwise: the server answered differently the second time
        if not seen:
            if isinstance(exc, BaseExceptionGroup) and exc.subgroup(TransportFailure) is not None:
                return 0  # a request left unanswered, reported by the run
            raise
        first = seen[0]
        report(_failure(ModelDisagrees(first.title, first.message + "\n\nHypothesis could not replay this: sent "
                                       f"again, the sequence went otherwise ({type(exc).__name__}); the server "
                                       "answered differently the second time.", first.reply),
                        api, start, printed, seed, label, phase))
        return 1
    except TransportFailure:  # reported by the run, on the request that caused it
        if not_run is not None:
            not_run("state_machine", "stopped: the server left a request unanswered (a server_crash finding)")
        return 0
    except BaseExceptionGroup as group:  # several distinct errors: report the first disagreement
        for exc in group.exceptions:
            if isinstance(exc, BudgetExceeded):
                raise exc
            if isinstance(exc, ModelDisagrees):
                report(_failure(exc, api, start, printed, seed, label, phase))
                return 1
        if any(isinstance(exc, TransportFailure) for exc in group.exceptions):
            return 0
        raise
    return 0


def _failure(exc: ModelDisagrees, api: HonchoApi, start: int, printed: list[str], seed: int,
             label: Callable[[str], str], phase: str) -> Failure:
    exchange = exc.reply.exchange if exc.reply is not None else None
    # The replayed (final) example starts with the last workspace created by the model.
    log = [e for e in api.client.log if e.index > start]
    begin = max((i for i, e in enumerate(log) if e.method == "POST" and e.url.endswith("/v3/workspaces")), default=0)
    replay = log[begin:]
    if exchange is not None and exchange in replay:
        replay = replay[: replay.index(exchange)]
    program = "\n".join(line for line in printed if line.strip())
    operation = exc.reply.operation if exc.reply is not None else ""
    return Failure(check="model:state_machine", operation=label(operation) if operation else "(sequence)", title=exc.title,
                   message=exc.message + (f"\n\nSequence (hypothesis):\n{program}" if program else ""), phase=phase,
                   curl=exchange.curl() if exchange else "", steps=[e.curl() for e in replay[-60:]], seed=seed,
                   status=exchange.status if exchange else None,
                   response=exchange.response_excerpt() if exchange else "", case="state_machine",
                   reproduction=exchange.reproduction() if exchange else None)


__all__ = ["build_machine", "run_model", "ModelDisagrees"]
