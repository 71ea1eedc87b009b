"""Locust file: the conformance suite's concurrent sequences, at loads beyond one machine.

    pip install locust
    locust -f conformance/locustfile.py --headless --host https://honcho.example.com \
           --users 50 --spawn-rate 10 --run-time 5m
    # distributed (Locust's own master/worker mode):
    locust -f conformance/locustfile.py --master --host https://honcho.example.com
    locust -f conformance/locustfile.py --worker --master-host MASTER   # on each load machine

Environment: HONCHO_API_KEY or HONCHO_TOKEN (bearer token), HONCHO_CONFORMANCE_PREFIX (workspace id prefix;
default random per process), HONCHO_CONFORMANCE_SEED, HONCHO_CONFORMANCE_REPORT (a JSON
file each process writes its failures to).

Each request is a Locust request event named by its operation; each semantic failure is
a failed event of type CHECK (so it shows in Locust's failure table). At the end each
process verifies its shared session (no message lost, repeated or reordered under load)
and deletes its workspaces. The run fails (exit code 1) when any check failed.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import threading
from typing import Any

from locust import User, between, events, task

from conformance.core.client import ConformanceClient
from conformance.core.config import default_spec, token_from_environment
from conformance.core.openapi import Contract
from conformance.core.routes import Routes
from conformance.core.vocabulary import Exchange, Failure
from conformance.honcho.api import HonchoApi
from conformance.phases.load_scenario import LoadScenario

_SCENARIO: LoadScenario | None = None
_LOCK = threading.Lock()
_SPEC = Contract.load(os.environ.get("HONCHO_CONFORMANCE_SPEC", str(default_spec())))


class CheckFailed(Exception):
    pass


_ROUTES = Routes(_SPEC)


def _label(exchange: Exchange) -> str:
    return _ROUTES.label(exchange.method, exchange.url.split("?", 1)[0], unmatched="(other)")


def _scenario(environment: Any) -> LoadScenario:
    global _SCENARIO
    with _LOCK:
        if _SCENARIO is None:
            client = ConformanceClient(environment.host, token=token_from_environment())

            def on_exchange(exchange: Exchange) -> None:
                environment.events.request.fire(
                    request_type=exchange.method, name=_label(exchange), response_time=exchange.elapsed * 1000,
                    response_length=len(exchange.response_body),
                    exception=CheckFailed(exchange.error) if exchange.error else (
                        CheckFailed(f"HTTP {exchange.status}") if (exchange.status or 0) >= 500 else None),
                    context={})

            client.listeners.append(on_exchange)
            prefix = os.environ.get("HONCHO_CONFORMANCE_PREFIX") or f"load{secrets.token_hex(3)}"
            _SCENARIO = LoadScenario(HonchoApi(client), prefix, int(os.environ.get("HONCHO_CONFORMANCE_SEED", "0")),
                                     label=_SPEC.label_of)
        return _SCENARIO


def _fire_failures(environment: Any, failures: list[Failure]) -> None:
    for failure in failures:
        environment.events.request.fire(request_type="CHECK", name=f"{failure.check}: {failure.title}",
                                        response_time=0, response_length=0,
                                        exception=CheckFailed(f"{failure.message[:300]}\n{failure.curl}"), context={})


class HonchoConformanceUser(User):
    wait_time = between(0.05, 0.5)

    def on_start(self) -> None:
        self.scenario = _scenario(self.environment)
        self.writer = f"w{secrets.token_hex(3)}"
        self.rng = random.Random(f"{self.scenario.seed}:{self.writer}")

    @task(4)
    def append_messages(self) -> None:
        _fire_failures(self.environment, self.scenario.append_messages(self.writer))

    @task(2)
    def semantic_check(self) -> None:
        _fire_failures(self.environment, self.scenario.run_check(self.rng))

    @task(1)
    def contended_get_or_create(self) -> None:
        _fire_failures(self.environment, self.scenario.get_or_create(f"contended{self.rng.randint(0, 3)}"))


@events.test_stop.add_listener
def _verify_and_clean(environment: Any, **kwargs: Any) -> None:
    scenario = _SCENARIO
    if scenario is None:
        return
    _fire_failures(environment, scenario.verify())
    report = scenario.cleanup()
    print(f"honcho-conformance load: {len(scenario.failures)} failure(s); clean-up deleted "
          f"{report.workspaces_deleted}/{report.workspaces_found} workspaces")
    target = os.environ.get("HONCHO_CONFORMANCE_REPORT")
    if target:
        with open(target, "w", encoding="utf-8") as fh:
            json.dump([f.to_dict() for f in scenario.failures], fh, indent=2, default=str)
    if scenario.failures:
        environment.process_exit_code = 1
