"""The same sequences from N parallel clients, and races on shared records.

Scenarios (each a small function registered in SCENARIOS):
- `parallel_checks`: the write checks of the semantic phase, one copy per client, all at
  once, each client in its own workspaces (shared state inside the server must not leak
  between them);
- `shared_session_messages`: N clients append messages to one session at once; every
  message must get its own id, be listed exactly once, and keep each client's order
  (two messages given one sequence number show up here);
- `shared_get_or_create`: N clients create the same peer at the same moment; exactly one
  of them creates it (201), the others get the stored record (200), none fails;
- `shared_workspace_sessions`: N clients create sessions in one workspace; the list must
  hold each once and its pages must still partition it.

The Locust file runs the same scenario functions for loads beyond one machine.
"""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from conformance.core.client import BudgetExceeded, Reply, TransportFailure
from conformance.core.vocabulary import Exchange, Failure
from conformance.honcho.api import HonchoApi
from conformance.honcho.workspaces import RunWorkspaces
from conformance.semantics import REGISTRY, CheckContext, ids, short

PARALLEL_CHECKS = ("get_or_create", "update_visible", "delete_removes", "message_order", "workspace_isolation",
                   "parent_confinement")


@dataclass
class ScenarioContext:
    api: HonchoApi
    workspaces: RunWorkspaces
    clients: int
    seed: int
    label: Callable[[str], str]
    report: Callable[[Failure], None]
    rounds: int = 3
    phase: str = "concurrency"

    def fail(self, scenario: str, title: str, message: str, reply: Reply | None = None,
             steps: list[Exchange] | None = None, operation: str = "") -> None:
        exchange = reply.exchange if reply is not None else None
        op = operation or (reply.operation if reply is not None else "")
        self.report(Failure(check=f"{self.phase}:{scenario}", operation=self.label(op) if op else "(sequence)",
                            title=title, message=message, phase=self.phase, curl=exchange.curl() if exchange else "",
                            steps=[e.curl() for e in (steps or [])[-40:]], seed=self.seed,
                            status=exchange.status if exchange else None,
                            response=exchange.response_excerpt() if exchange else "", case=scenario,
                            reproduction=exchange.reproduction() if exchange else None))


SCENARIOS: dict[str, Callable[[ScenarioContext], None]] = {}


def scenario(name: str) -> Callable:
    def register(func: Callable[[ScenarioContext], None]) -> Callable[[ScenarioContext], None]:
        SCENARIOS[name] = func
        return func
    return register


def _parallel(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..n-1) on n threads started together; exceptions are returned, not raised."""
    barrier = threading.Barrier(n)

    def run(index: int) -> Any:
        threading.current_thread().name = f"conformance-client-{index}"  # which client sent what, in a log
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        try:
            return work(index)
        except (BudgetExceeded, TransportFailure) as exc:
            return exc

    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="conformance") as pool:
        results = list(pool.map(run, range(n)))
    for result in results:
        if isinstance(result, (BudgetExceeded, TransportFailure)):
            raise result
    return results


@scenario("parallel_checks")
def parallel_checks(ctx: ScenarioContext) -> None:
    checks = [REGISTRY[name] for name in PARALLEL_CHECKS if name in REGISTRY]

    def work(index: int) -> None:
        own = ctx.workspaces.for_client(index)
        for check in checks:
            check_ctx = CheckContext(name=check.name, api=ctx.api, rng=random.Random(f"{ctx.seed}:{check.name}:{index}"),
                                     seed=ctx.seed, workspaces=own, rounds=ctx.rounds, read_only=False,
                                     label=ctx.label, report=ctx.report, phase=ctx.phase)
            check_ctx.run(check.func)

    _parallel(ctx.clients, work)


@scenario("shared_session_messages")
def shared_session_messages(ctx: ScenarioContext) -> None:
    api = ctx.api
    workspace_id = ctx.workspaces.new_id("race")
    with api.client.recording() as steps:
        reply = api.create_workspace(workspace_id, {})
        if reply.status != 201:
            ctx.fail("shared_session_messages", f"expected 201, got {reply.status}", "creating the workspace", reply, steps)
            return
        reply = api.create_session(workspace_id, "shared", {})
        if reply.status != 201:
            ctx.fail("shared_session_messages", f"expected 201, got {reply.status}", "creating the session", reply, steps)
            return
    batches = max(2, ctx.rounds)

    def work(index: int) -> tuple[list[str], list[tuple[Reply, list[Exchange]]]]:
        mine: list[str] = []
        bad: list[tuple[Reply, list[Exchange]]] = []
        for k in range(batches):
            batch = [{"peer_id": f"writer{index}", "content": f"c{index}-{k}-{j}"} for j in range(2)]
            with api.client.recording() as steps:
                reply = api.create_messages(workspace_id, "shared", batch)
            body = reply.json()
            if reply.status != 201 or not isinstance(body, list):
                bad.append((reply, steps))
                continue
            mine += [str(m.get("id")) for m in body if isinstance(m, dict)]
        return mine, bad

    results = _parallel(ctx.clients, work)
    for _, bad in results:
        for reply, steps in bad[:1]:
            ctx.fail("shared_session_messages", f"concurrent message insert answered {reply.status}",
                     f"{ctx.clients} clients adding messages to one session at once: {reply.exchange.response_excerpt()}",
                     reply, steps)
    created = [m for mine, _ in results for m in mine]
    with api.client.recording() as steps:
        listed: list[dict[str, Any]] = []
        reply = None
        for page in range(1, 50):
            reply = api.list_messages(workspace_id, "shared", page=page, size=100)
            body = reply.json()
            if reply.status != 200 or not isinstance(body, dict) or not isinstance(body.get("items"), list):
                ctx.fail("shared_session_messages", "list answer is not a page", reply.exchange.response_excerpt(), reply, steps)
                return
            listed += [i for i in body["items"] if isinstance(i, dict)]
            if len(body["items"]) < 100:
                break
    listed_ids = ids(listed)
    if len(set(created)) != len(created):
        dupes = sorted({i for i in created if created.count(i) > 1})
        ctx.fail("shared_session_messages", "two concurrent messages given one id", f"ids created twice: {short(dupes)}",
                 reply, steps)
    missing = [i for i in created if i not in listed_ids]
    repeated = sorted({i for i in listed_ids if listed_ids.count(i) > 1})
    if missing or repeated:
        ctx.fail("shared_session_messages", "concurrent messages lost or listed twice",
                 f"created {len(created)}, listed {len(listed_ids)}; missing {short(missing)}; repeated {short(repeated)}",
                 reply, steps)
    position = {m: n for n, m in enumerate(listed_ids)}
    for index, (mine, _) in enumerate(results):
        order = [position[m] for m in mine if m in position]
        if order != sorted(order):
            ctx.fail("shared_session_messages", "a client's messages listed out of order",
                     f"writer{index} created {short(mine)} but they are listed at positions {order}", reply, steps)
            break


@scenario("shared_get_or_create")
def shared_get_or_create(ctx: ScenarioContext) -> None:
    api = ctx.api
    workspace_id = ctx.workspaces.new_id("race")
    with api.client.recording() as setup:
        reply = api.create_workspace(workspace_id, {})
    if reply.status != 201:
        ctx.fail("shared_get_or_create", f"expected 201, got {reply.status}", "creating the workspace", reply, setup)
        return
    for round_number in range(max(1, ctx.rounds // 2)):
        peer_id = f"contended{round_number}"
        replies: list[Reply] = _parallel(ctx.clients, lambda i: api.create_peer(workspace_id, peer_id, {"n": round_number}))
        statuses = sorted(r.status for r in replies)
        failed = [r for r in replies if r.status not in (200, 201)]
        if failed:
            ctx.fail("shared_get_or_create", f"concurrent get-or-create answered {failed[0].status}",
                     f"{ctx.clients} clients creating peer {peer_id} at once answered {statuses}", failed[0])
            continue
        if statuses.count(201) != 1:
            ctx.fail("shared_get_or_create", "concurrent get-or-create did not create exactly once",
                     f"{ctx.clients} clients creating peer {peer_id} at once answered {statuses}: exactly one 201 expected",
                     replies[0])
        stamps = {str((r.json() or {}).get("created_at")) for r in replies if isinstance(r.json(), dict)}
        if len(stamps) != 1:
            ctx.fail("shared_get_or_create", "concurrent get-or-create answered different records",
                     f"created_at values {sorted(stamps)}", replies[0])
        reply = api.list_peers(workspace_id, filters={"id": peer_id})
        body = reply.json()
        got = ids(body.get("items", [])) if isinstance(body, dict) else body
        if got != [peer_id]:
            ctx.fail("shared_get_or_create", "concurrently created record listed wrongly",
                     f"filter by id {peer_id} listed {short(got)}", reply)


@scenario("shared_workspace_sessions")
def shared_workspace_sessions(ctx: ScenarioContext) -> None:
    api = ctx.api
    workspace_id = ctx.workspaces.new_id("race")
    reply = api.create_workspace(workspace_id, {})
    if reply.status != 201:
        ctx.fail("shared_workspace_sessions", f"expected 201, got {reply.status}", "creating the workspace", reply)
        return
    per_client = max(2, ctx.rounds)

    def work(index: int) -> list[str]:
        made = []
        for k in range(per_client):
            session_id = f"c{index}s{k}"
            reply = api.create_session(workspace_id, session_id, {"client": index})
            if reply.status == 201:
                made.append(session_id)
            else:
                ctx.fail("shared_workspace_sessions", f"concurrent session create answered {reply.status}",
                         reply.exchange.response_excerpt(), reply)
        return made

    made = [s for part in _parallel(ctx.clients, work) for s in part]
    listed: list[str] = []
    size = 3
    reply = None
    for page in range(1, 200):
        reply = api.list_sessions(workspace_id, page=page, size=size)
        body = reply.json()
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            ctx.fail("shared_workspace_sessions", "list answer is not a page", reply.exchange.response_excerpt(), reply)
            return
        listed += ids(body["items"])
        if page >= (body.get("pages") or 0):
            break
    if sorted(listed) != sorted(made) or len(set(listed)) != len(listed):
        ctx.fail("shared_workspace_sessions", "concurrently created sessions missing or repeated across pages",
                 f"created {len(made)}: {short(sorted(made))}\nlisted  {len(listed)}: {short(listed)}", reply)


def run_concurrency(*, api: HonchoApi, workspaces: RunWorkspaces, clients: int, seed: int, rounds: int,
                    label: Callable[[str], str], report: Callable[[Failure], None],
                    progress: Callable[[str], None],
                    not_run: Callable[[str, str], None] | None = None,
                    only: Callable[[str], bool] = lambda name: True) -> dict[str, int]:
    counts: dict[str, int] = {}

    def counting(failure: Failure) -> None:
        counts[failure.case] = counts.get(failure.case, 0) + 1
        report(failure)

    ctx = ScenarioContext(api=api, workspaces=workspaces, clients=max(2, clients), seed=seed, label=label, report=counting,
                          rounds=rounds)
    for name, func in SCENARIOS.items():
        if not only(name):
            continue
        counts.setdefault(name, 0)
        try:
            func(ctx)
        except TransportFailure:  # reported by the run, on the request that caused it; the next scenario goes on
            if not_run is not None:
                not_run(name, "stopped: the server left a request unanswered (a server_crash finding)")
        progress(name)
    return {name: counts.get(name, 0) for name in SCENARIOS if only(name)} | {
        k: v for k, v in counts.items() if k not in SCENARIOS}
