"""Each Honcho version served as its users meet it: the official Python SDK that pairs with it
(honcho_contracts/<version>/version.yaml: 2.1.2 for 3.0.7, 2.3.0 for 3.0.12) drives the mock of
that version over loopback HTTP, in its own process (`make sdks` puts each SDK in
.venv/sdks/honcho-ai-X; `make test` runs it first)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support import ROOT, loopback_server

import honcho_contracts
from mockserver import create_app

SDKS = ROOT / ".venv" / "sdks"


@pytest.mark.parametrize("version", [v.name for v in honcho_contracts.served_versions()])
def test_the_python_sdk_that_pairs_with_the_version(version: str) -> None:
    sdk = honcho_contracts.get(version).sdks["python"]
    where = SDKS / f"honcho-ai-{sdk}"
    if not (where / "honcho").is_dir():
        pytest.fail(f"honcho-ai {sdk} is not installed in {where}: run `make sdks` (`make test` does)")
    env = {**os.environ, "PYTHONPATH": str(where)}
    with loopback_server(create_app(seed=21, api_version=version).app) as url:
        result = subprocess.run([sys.executable, str(ROOT / "tests" / "sdk" / "flow.py"), url, version], env=env,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.stdout.strip().endswith(f"sdk flow ok {sdk} {version}")
