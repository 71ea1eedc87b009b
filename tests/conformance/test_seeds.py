"""A tester a CI job can trust: a correct server passes on every seed, and a seed tells the
same story again (the same requests in the same order, the same findings)."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT
from support.runs import describe

from conformance.core.config import RunConfig
from conformance.core.transports import ASGIAppTransport
from conformance.core.vocabulary import RunResult
from conformance.engine.runner import Runner
from mockserver import create_app

BASE_URL = "http://127.0.0.1:8000"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("seed", [101, 102, 103])
def test_the_quick_profile_passes_on_the_mock_whatever_the_seed(seed: int) -> None:
    transport = ASGIAppTransport(create_app(seed=seed).app)
    try:
        result = Runner(RunConfig(base_url=BASE_URL, transport=transport, seed=seed, profile="quick")).run()
    finally:
        transport.close()
    assert result.exit_code == 0, describe(result)
    assert all(p.status == "passed" for p in result.phases), result.phases


def _seeded_run(seed: int, hash_seed: str, out: Path) -> dict:
    """The quick profile, every phase, against a fresh mock seeded alike, over loopback HTTP, in a
    process of its own (with its own string hashing, as a rerun from the command line has)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests"), "PYTHONHASHSEED": hash_seed}
    subprocess.run([sys.executable, "-m", "support.seeded_run", str(seed), "quick", str(out)], cwd=ROOT, env=env,
                   check=True, timeout=500, capture_output=True)
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.timeout(1200)
def test_a_seed_sends_the_same_requests_in_the_same_order_and_finds_the_same(tmp_path: Path) -> None:
    first = _seeded_run(7, "1", tmp_path / "first.json")
    second = _seeded_run(7, "2", tmp_path / "second.json")
    assert first["prefix"] != second["prefix"]  # each run its own workspaces ...
    a, b = first["lines"], second["lines"]
    assert sorted(a) == sorted(b) and len(a) > 2, sorted(a)  # the main thread and each parallel client
    for sender in a:
        assert a[sender] == b[sender], f"{sender}:\n" + "\n".join(list(difflib.unified_diff(a[sender], b[sender], lineterm=""))[:20])
    assert first["digest"] == second["digest"]  # ... and every request alike
    assert first["findings"] == second["findings"]
    assert first["requests"] == second["requests"] == sum(len(lines) for lines in a.values())
