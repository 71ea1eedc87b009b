"""The conformance suite in its pytest form (conformance/pytest_suite.py), against a loopback mock."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support import ROOT, loopback_server

from conformance.semantics import REGISTRY
from mockserver import create_app


@pytest.mark.timeout(120)
def test_the_same_suite_runs_under_pytest_against_loopback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    server = create_app(seed=8)
    with loopback_server(server.app) as url:
        env = {**os.environ, "HONCHO_BASE_URL": url, "HONCHO_CONFORMANCE_SEED": "8"}
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
                               "semantics or model or concurrency", str(ROOT / "conformance" / "pytest_suite.py"),
                               "--junitxml", str(tmp_path / "j.xml")],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    suites = ET.parse(tmp_path / "j.xml").getroot()
    assert int(suites.find("testsuite").get("tests")) == len(REGISTRY) + 2
    assert server.store.counts()["workspaces"] == 0
