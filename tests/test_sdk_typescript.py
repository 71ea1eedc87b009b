"""The official TypeScript SDK driving the mock over loopback HTTP, each version against the Honcho
version it pairs with: @honcho-ai/sdk 2.1.2 and 3.0.7 (tests/ts), 2.5.0 and the scopes preview
(tests/ts-scopes: every scope call).

`make test` installs each into its directory's node_modules (npm ci, pinned by its lock file).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from support import ROOT, loopback_server

from mockserver import create_app

TS_DIR = ROOT / "tests" / "ts"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_typescript_sdk_flow() -> None:
    if not (TS_DIR / "node_modules" / "@honcho-ai" / "sdk").is_dir():
        pytest.fail("the TypeScript SDK is not installed: run `make test` (it runs npm ci in tests/ts)")
    with loopback_server(create_app(seed=9, api_version="3.0.7").app) as url:  # 2.1.2 pairs with 3.0.7
        result = subprocess.run(["node", "flow.mjs", url], cwd=TS_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ts-sdk flow ok" in result.stdout


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_typescript_sdk_scope_calls_against_the_scopes_preview() -> None:
    where = ROOT / "tests" / "ts-scopes"
    if not (where / "node_modules" / "@honcho-ai" / "sdk").is_dir():
        pytest.fail("@honcho-ai/sdk 2.5.0 is not installed: run `make test` (it runs npm ci in tests/ts-scopes)")
    with loopback_server(create_app(seed=9, api_version="3.1-preview").app) as url:  # 2.5.0 pairs with it
        result = subprocess.run(["node", "flow.mjs", url], cwd=where, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ts-sdk scopes flow ok" in result.stdout
