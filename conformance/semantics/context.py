"""What a semantic check is handed: the API, a seeded random source, the test world, and
the way to report a failure with the steps that led to it."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from conformance.core.client import Reply, TransportFailure
from conformance.core.openapi import Contract
from conformance.core.vocabulary import Exchange, Failure
from conformance.honcho import api as A
from conformance.honcho.api import HonchoApi
from conformance.honcho.deletion import DEFAULT_WAIT
from conformance.honcho.workspaces import RunWorkspaces

if TYPE_CHECKING:
    from honcho_contracts import Behaviour

MAX_STEPS = 40
LIST_PAGE = 100
MAX_LIST_PAGES = 20


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
    def __init__(self, *, name: str, api: HonchoApi, rng: random.Random, seed: int, workspaces: RunWorkspaces,
                 rounds: int, read_only: bool, label: Callable[[str], str], report: Callable[[Failure], None],
                 world: World | None = None, phase: str = "semantics", deletion_wait: float = DEFAULT_WAIT) -> None:
        self.name = name
        self.deletion_wait = deletion_wait  # seconds to wait for a deletion answered 202
        self.contract: Contract | None = None  # for checks that read the contract itself
        self.behaviour: Behaviour | None = None  # the tested version's behaviour switches, when it has them
        self.api = api
        self.rng = rng
        self.seed = seed
        self.workspaces = workspaces
        self.rounds = rounds
        self.read_only = read_only
        self.label = label
        self._report = report
        self.world = world
        self.phase = phase
        self.steps: list[Exchange] = []
        self.failures = 0

    def run(self, func: Callable[[CheckContext], Any]) -> bool:
        """Run one check with this context: its requests recorded as its steps, a fatal
        failure (StopCheck) ending the check and nothing else. A request the server left
        unanswered (reported by the run, on the request that caused it) ends the check too:
        False then, the check could not finish."""
        with self.api.client.recording() as steps:
            self.steps = steps
            try:
                func(self)
            except StopCheck:
                pass
            except TransportFailure:
                return False
        return True

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
                          response=exchange.response_excerpt() if exchange else "", case=self.name,
                          reproduction=exchange.reproduction() if exchange else None)
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
        workspace_id = self.workspaces.new_id(tag)
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


class StopCheck(Exception):
    """A failure was reported and the rest of the check depends on what failed."""
