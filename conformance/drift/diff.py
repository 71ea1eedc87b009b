"""`honcho-conformance diff --base-url A --against B`: one scenario, two servers, every answer compared.

A seeded stateful scenario (creates, updates, deletes, paged and filtered lists, reads by
id, requests that must be refused), drawn with the tester's own generators
(`filter_generator`: metadata and filters built from the records at hand), runs step by
step against both servers. A is the reference: the scenario follows A's answers (the
ids it made, the records it holds), and each step's request is sent to B with A's ids
mapped to B's. Every pair of answers is compared after normalisation (`drift.py`); the
differences are failures of the check `diff`, grouped by root cause (operation and what
differs), each with the curl for A and for B and the steps that led to it.

Both servers get the same workspaces (`df` + 8 hex digits, or `--run-prefix`), deleted
at the end.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from conformance.core.client import (
    Budget,
    BudgetExceeded,
    ConformanceClient,
    TransportFailure,
)
from conformance.core.openapi import Contract
from conformance.core.vocabulary import Failure
from conformance.drift.normalise import UNORDERED, Answer, IdMap, compare, summarise
from conformance.honcho.api import HonchoApi
from conformance.honcho.filter_generator import random_filter, sample_metadata
from conformance.honcho.workspaces import cleanup

CHECK = "diff"
PEERS = ("ann", "bob", "cid", "dee")
SESSIONS = ("s1", "s2", "s3", "s4", "s5")
WORDS = ("tea", "coffee", "rain", "sun", "book", "train", "garden", "music")
# filters on values one server made (timestamps, token counts) select different records on the other
_SERVER_VALUES = ("created_at", "token_count")


@dataclass
class DiffConfig:
    base_url: str
    against: str
    seed: int | None = None
    steps: int = 80
    token: str | None = None
    against_token: str | None = None
    run_prefix: str | None = None
    cleanup: bool = True
    request_timeout: float = 30.0
    max_requests: int | None = None
    transport: httpx.BaseTransport | None = None  # tests: A in-process
    against_transport: httpx.BaseTransport | None = None


@dataclass
class DiffResult:
    base_url: str
    against: str
    seed: int
    prefix: str
    steps: int = 0
    compared: int = 0
    failures: list[Failure] = field(default_factory=list)
    cleanup_errors: list[str] = field(default_factory=list)
    stopped: str = ""  # why the scenario ended before its last step

    @property
    def new_failures(self) -> list[Failure]:
        return [f for f in self.failures if not f.known]

    @property
    def exit_code(self) -> int:
        return 1 if self.new_failures else 0


@dataclass
class Step:
    """One call of the scenario: a HonchoApi method and its arguments (A's ids)."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        shown = ", ".join([json.dumps(a) for a in self.args[1:]] + [f"{k}={json.dumps(v)}" for k, v in self.kwargs.items()])
        return f"{self.method}({shown})"


class Scenario:
    """The scenario's memory of what A holds, and the next step drawn from it."""

    def __init__(self, rng: random.Random, workspace: str, neighbour: str) -> None:
        self.rng = rng
        self.ws = workspace
        self.neighbour = neighbour  # a second workspace with the same peer and session ids: nothing may leak
        self.peers: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.active: set[str] = set()
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.reads: list[Step] = []  # list requests made so far: apps read the same list again after writes

    def _paging(self) -> dict[str, Any]:
        paging: dict[str, Any] = {"size": self.rng.randint(1, 5), "page": self.rng.randint(1, 3)}
        if self.rng.random() < 0.5:
            paging["reverse"] = self.rng.random() < 0.5
        return paging

    def _filter(self, resource: str, records: list[dict[str, Any]]) -> dict[str, Any] | None:
        for _ in range(5):
            candidate = random_filter(self.rng, resource, records)
            if not any(name in json.dumps(candidate) for name in _SERVER_VALUES):
                return candidate
        return None

    def _list(self, method: str, *args: Any, resource: str, records: list[dict[str, Any]]) -> Step:
        kwargs = self._paging()
        if self.rng.random() < 0.6:
            chosen = self._filter(resource, records)
            if chosen is not None:
                kwargs["filters"] = chosen
        step = Step(method, (self.ws, *args), kwargs)
        self.reads.append(step)
        return step

    def next_step(self) -> Step:
        rng, ws = self.rng, self.ws
        choices: list[tuple[float, Callable[[], Step]]] = [
            (2, lambda: Step("create_peer", (ws, rng.choice(PEERS)), {"metadata": sample_metadata(rng)})),
            (2, lambda: Step("create_session", (ws, rng.choice(SESSIONS)),
                             {"metadata": sample_metadata(rng),
                              "peers": {p: {} for p in rng.sample(PEERS, rng.randint(0, 2))}})),
            (1, lambda: Step("update_peer", (ws, rng.choice(PEERS)), {"body": {"metadata": sample_metadata(rng)}})),
            (2, lambda: self._list("list_sessions", resource="session", records=list(self.sessions.values()))),
            (2, lambda: self._list("list_peers", resource="peer", records=list(self.peers.values()))),
            (0.5, lambda: Step("list_sessions", (ws,), {"size": rng.choice((0, 101))})),  # refused: out of range
            (0.5, lambda: Step("list_peers", (ws,), {"filters": {"no_such_field": 1}})),  # refused: unknown field
            (0.5, lambda: Step("create_peer", (self.neighbour, rng.choice(PEERS)), {"metadata": sample_metadata(rng)})),
            (0.5, lambda: Step("create_session", (self.neighbour, rng.choice(SESSIONS)),
                               {"metadata": sample_metadata(rng), "peers": {rng.choice(PEERS): {}}})),
        ]
        if self.active:
            live = sorted(self.active)
            choices += [
                (3, lambda: Step("create_messages", (ws, rng.choice(live)), {"messages": [
                    {"peer_id": rng.choice(PEERS), "content": " ".join(rng.sample(WORDS, rng.randint(1, 4))),
                     "metadata": sample_metadata(rng)} for _ in range(rng.randint(1, 3))]})),
                (1, lambda: Step("update_session", (ws, rng.choice(live)), {"body": {"metadata": sample_metadata(rng)}})),
                (0.5, lambda: Step("delete_session", (ws, rng.choice(live)))),
                (1, lambda: Step("session_peers", (ws, rng.choice(live)), {"size": rng.randint(1, 5)})),
            ]
        with_messages = sorted(s for s, items in self.messages.items() if items)
        if with_messages:
            choices += [
                (2, lambda: self._messages_list(rng.choice(with_messages))),
                (1, lambda: self._message_call("get_message", rng.choice(with_messages))),
                (1, lambda: self._message_call("update_message", rng.choice(with_messages))),
                (0.5, lambda: Step("get_message", (ws, rng.choice(with_messages), "nosuchmessage0000000x"))),
                (0.5, lambda: self._through_other_session(rng.choice(with_messages))),
            ]
        if self.reads:
            choices.append((3, lambda: rng.choice(self.reads)))
        if self.peers:
            choices.append((1, lambda: self._list("peer_sessions", rng.choice(sorted(self.peers)), resource="session",
                                                  records=list(self.sessions.values()))))
        total = sum(weight for weight, _ in choices)
        pick = rng.random() * total
        for weight, make in choices:
            pick -= weight
            if pick <= 0:
                return make()
        return choices[-1][1]()

    def _messages_list(self, session: str) -> Step:
        return self._list("list_messages", session, resource="message", records=self.messages[session])

    def _message_call(self, method: str, session: str) -> Step:
        message = self.rng.choice(self.messages[session])
        extra = {"body": {"metadata": sample_metadata(self.rng)}} if method == "update_message" else {}
        return Step(method, (self.ws, session, message["id"]), extra)

    def _through_other_session(self, session: str) -> Step:
        """A message addressed through a session it is not in (404 on a server that confines it)."""
        message = self.rng.choice(self.messages[session])
        other = self.rng.choice([s for s in SESSIONS if s != session])
        return Step("get_message", (self.ws, other, message["id"]))

    def learn(self, step: Step, status: int, body: Any) -> None:
        """Remember what A now holds, from its answer."""
        if status not in (200, 201) or step.args[0] != self.ws:
            return
        if step.method in ("create_peer", "update_peer") and isinstance(body, dict):
            self.peers[body.get("id", step.args[1])] = body
        elif step.method in ("create_session", "update_session") and isinstance(body, dict):
            self.sessions[step.args[1]] = body
            self.active.add(step.args[1])
            for peer in step.kwargs.get("peers", {}):
                self.peers.setdefault(peer, {"id": peer})
        elif step.method == "create_messages" and isinstance(body, list):
            session = step.args[1]
            self.messages.setdefault(session, []).extend(m for m in body if isinstance(m, dict) and "id" in m)
            self.sessions.setdefault(session, {"id": session})
            self.active.add(session)
        elif step.method == "update_message" and isinstance(body, dict):
            items = self.messages.get(step.args[1], [])
            self.messages[step.args[1]] = [body if m.get("id") == body.get("id") else m for m in items]

    def forget_deleted(self, step: Step, status: int) -> None:
        if step.method == "delete_session" and status in (200, 202, 204):
            self.active.discard(step.args[1])


def _call(api: HonchoApi, step: Step, ids: IdMap | None) -> Any:
    args, kwargs = step.args, step.kwargs
    if ids is not None and ids.forward:
        args, kwargs = json.loads(ids.translate(json.dumps([list(args), kwargs])))
    return getattr(api, step.method)(*args, **kwargs)


def _answer(reply: Any) -> Answer:
    return Answer(reply.status, reply.headers.get("content-type", ""), reply.body)


def run_diff(config: DiffConfig, contract: Contract) -> DiffResult:
    """Run the scenario against both servers; every differing answer becomes a failure."""
    seed = config.seed if config.seed is not None else secrets.randbelow(2**31)
    prefix = config.run_prefix or f"df{secrets.token_hex(4)}"
    result = DiffResult(config.base_url, config.against, seed, prefix)
    budget = Budget(max_requests=config.max_requests)
    first = ConformanceClient(config.base_url, token=config.token, transport=config.transport, budget=budget,
                              timeout=config.request_timeout)
    second = ConformanceClient(config.against, token=config.against_token or config.token,
                               transport=config.against_transport, budget=budget, timeout=config.request_timeout)
    api_a, api_b = HonchoApi(first), HonchoApi(second)
    rng = random.Random(seed)
    workspace, neighbour = f"{prefix}-main", f"{prefix}-other"
    scenario = Scenario(rng, workspace, neighbour)
    ids = IdMap()
    history: list[str] = []
    steps = [Step("create_workspace", (workspace,), {"metadata": {"purpose": "diff"}}),
             Step("create_workspace", (neighbour,), {"metadata": {"purpose": "diff"}})]
    try:
        for number in range(config.steps + len(steps)):
            step = steps[number] if number < len(steps) else scenario.next_step()
            history.append(f"{number}: {step.describe()}")
            try:
                reply_a = _call(api_a, step, None)
                reply_b = _call(api_b, step, ids)
            except BudgetExceeded:
                result.stopped = f"the request budget (--max-requests {config.max_requests}) ran out at step {number}"
                break
            except TransportFailure as exc:
                result.failures.append(Failure(CHECK, step.method, "no answer from a server", message=exc.exchange.error or "",
                                               curl=exc.exchange.curl(), steps=history[-6:], seed=seed, phase=CHECK))
                break
            result.steps += 1
            result.compared += 1
            label = contract.label_of(reply_a.operation)
            found = compare(_answer(reply_a), _answer(reply_b), ids, names=("A", "B"), unordered=label in UNORDERED)
            scenario.learn(step, reply_a.status, reply_a.json())
            scenario.forget_deleted(step, reply_a.status)
            titles: dict[str, list[Any]] = {}
            for difference in found:
                titles.setdefault(difference.title, []).append(difference)
            for title, items in titles.items():
                result.failures.append(Failure(
                    CHECK, label, title, phase=CHECK, seed=seed, status=reply_b.status,
                    message=f"step {number} {step.describe()}: {summarise(items)}",
                    curl=reply_a.exchange.curl(), response=f"A: {reply_a.exchange.response_excerpt()}\n"
                                                           f"B: {reply_b.exchange.response_excerpt()}",
                    steps=history[-6:-1] + [f"A: {reply_a.exchange.curl()}", f"B: {reply_b.exchange.curl()}"]))
    finally:
        if config.cleanup:
            for api in (api_a, api_b):
                report = cleanup(api, prefix, [workspace, neighbour])
                result.cleanup_errors += [f"{api.client.base_url}: {e}" for e in report.errors + report.leftovers]
        first.close()
        second.close()
    return result
