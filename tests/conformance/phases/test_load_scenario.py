"""The load scenario's steps, run without Locust."""

from __future__ import annotations

import random
import threading

from conformance.core.client import (
    ConformanceClient,
)
from conformance.core.transports import ASGIAppTransport
from conformance.honcho.api import HonchoApi
from conformance.phases.load_scenario import LoadScenario
from mockserver import create_app


def test_load_scenario_steps_without_locust() -> None:
    server = create_app(seed=6)
    client = ConformanceClient("http://127.0.0.1:8000", transport=ASGIAppTransport(server.app))
    scenario = LoadScenario(HonchoApi(client), "loadtest", seed=6)
    rng = random.Random(6)
    threads = [threading.Thread(target=lambda w=w: [scenario.append_messages(f"w{w}") for _ in range(5)]) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert scenario.get_or_create("contended") == [] and scenario.run_check(rng) == []
    assert scenario.verify() == [] and scenario.failures == []
    assert scenario.cleanup().clean and server.store.counts()["workspaces"] == 0
    client.close()
