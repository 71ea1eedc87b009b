"""The concurrency scenario as steps a load generator can repeat (used by locustfile.py).

One `LoadScenario` per process: its users share a session they all append messages to
and a peer they all get-or-create, and each user runs the write checks of the semantic
phase in workspaces of its own. `verify()` then checks what the parallel writers left:
every message they were answered with is listed exactly once, in each writer's order.
Nothing here imports Locust, so the same steps are testable without it.
"""

from __future__ import annotations

import random
import threading
from typing import Callable

from conformance.core.vocabulary import Failure
from conformance.honcho.api import HonchoApi
from conformance.honcho.workspaces import RunWorkspaces, cleanup
from conformance.phases.concurrency import PARALLEL_CHECKS
from conformance.semantics import REGISTRY, CheckContext, ids


class LoadScenario:
    def __init__(self, api: HonchoApi, prefix: str, seed: int = 0,
                 label: Callable[[str], str] = lambda op: op) -> None:
        self.api = api
        self.workspaces = RunWorkspaces(prefix)
        self.seed = seed
        self.label = label
        self.failures: list[Failure] = []
        self._lock = threading.Lock()
        self._written: dict[str, list[str]] = {}
        self.workspace = self.workspaces.new_id("load")
        self._ready = False

    def report(self, failure: Failure) -> None:
        with self._lock:
            self.failures.append(failure)

    def _fail(self, name: str, title: str, message: str, reply=None) -> Failure:  # type: ignore[no-untyped-def]
        exchange = reply.exchange if reply is not None else None
        failure = Failure(check=f"load:{name}", operation=self.label(reply.operation) if reply is not None else "(sequence)",
                          title=title, message=message, phase="load", curl=exchange.curl() if exchange else "",
                          seed=self.seed, status=exchange.status if exchange else None, case=name)
        self.report(failure)
        return failure

    def setup(self) -> None:
        with self._lock:
            if self._ready:
                return
            self.api.create_workspace(self.workspace, {})
            self.api.create_session(self.workspace, "shared", {})
            self._ready = True

    # -- steps -----------------------------------------------------------------------------
    def append_messages(self, writer: str, count: int = 2) -> list[Failure]:
        self.setup()
        with self._lock:
            sequence = len(self._written.setdefault(writer, []))
        batch = [{"peer_id": writer, "content": f"{writer}-{sequence + i}"} for i in range(count)]
        reply = self.api.create_messages(self.workspace, "shared", batch)
        body = reply.json()
        if reply.status != 201 or not isinstance(body, list):
            return [self._fail("shared_session_messages", f"message insert under load answered {reply.status}",
                               reply.exchange.response_excerpt(), reply)]
        with self._lock:
            self._written[writer] += [str(m.get("id")) for m in body if isinstance(m, dict)]
        return []

    def get_or_create(self, name: str) -> list[Failure]:
        self.setup()
        reply = self.api.create_peer(self.workspace, name, {})
        if reply.status not in (200, 201):
            return [self._fail("shared_get_or_create", f"get-or-create under load answered {reply.status}",
                               reply.exchange.response_excerpt(), reply)]
        return []

    def run_check(self, rng: random.Random) -> list[Failure]:
        found: list[Failure] = []

        def report(failure: Failure) -> None:
            failure.phase = "load"
            found.append(failure)
            self.report(failure)

        check = REGISTRY[rng.choice(PARALLEL_CHECKS)]
        ctx = CheckContext(name=check.name, api=self.api, rng=rng, seed=self.seed, workspaces=self.workspaces, rounds=2,
                           read_only=False, label=self.label, report=report, phase="load")
        ctx.run(check.func)
        return found

    # -- the end -----------------------------------------------------------------------------
    def verify(self) -> list[Failure]:
        """Every message a writer was answered with is listed exactly once, in its order."""
        if not self._ready:
            return []
        listed: list[str] = []
        reply = None
        for page in range(1, 1000):
            reply = self.api.list_messages(self.workspace, "shared", page=page, size=100)
            body = reply.json()
            if reply.status != 200 or not isinstance(body, dict) or not isinstance(body.get("items"), list):
                return [self._fail("shared_session_messages", "list answer is not a page", reply.exchange.response_excerpt(),
                                   reply)]
            listed += ids(body["items"])
            if len(body["items"]) < 100:
                break
        found: list[Failure] = []
        written = [m for ms in self._written.values() for m in ms]
        missing = [m for m in written if m not in set(listed)]
        repeated = sorted({m for m in listed if listed.count(m) > 1})
        if len(set(written)) != len(written):
            found.append(self._fail("shared_session_messages", "two messages given one id", "duplicate ids answered", reply))
        if missing or repeated:
            found.append(self._fail("shared_session_messages", "messages lost or listed twice under load",
                                    f"missing {missing[:10]}, repeated {repeated[:10]}", reply))
        position = {m: n for n, m in enumerate(listed)}
        for writer, mine in self._written.items():
            order = [position[m] for m in mine if m in position]
            if order != sorted(order):
                found.append(self._fail("shared_session_messages", "a writer's messages listed out of order",
                                        f"{writer}: positions {order[:20]}", reply))
                break
        return found

    def cleanup(self):  # type: ignore[no-untyped-def]
        return cleanup(self.api, self.workspaces.prefix, self.workspaces.ids)
