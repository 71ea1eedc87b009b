"""The README's SDK snippets run as written, against a fresh mock, and print what the README shows.

Only the address changes (each test's mock has its own free port); the snippets are read from
README.md, so an edit there that breaks them fails here."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, loopback_server

from mockserver import create_app

README = (ROOT / "README.md").read_text()
TS_MODULES = Path(os.environ.get("HONCHO_TS_MODULES", ROOT / "tests" / "ts" / "node_modules"))  # where npm ci put the SDK
ADDRESS = "http://127.0.0.1:8000"


def snippet_and_output(language: str, marker: str) -> tuple[str, str]:
    """The first `language` block containing `marker`, and the text block the README says it prints."""
    pattern = re.compile(rf"```{language}\n(?P<code>(?:(?!```).)*?{re.escape(marker)}(?:(?!```).)*?)```"
                         r"\s*\n`[^`]+` prints:\s*\n\s*```text\n(?P<out>.*?)```", re.S)
    found = pattern.search(README)
    assert found, f"README.md: no {language} snippet with {marker!r} followed by what it prints"
    return found["code"], found["out"]


def test_the_python_snippet(tmp_path: Path) -> None:
    code, expected = snippet_and_output("python", "from honcho import Honcho")
    assert ADDRESS in code
    with loopback_server(create_app().app) as url:
        (tmp_path / "app.py").write_text(code.replace(ADDRESS, url))
        result = subprocess.run([sys.executable, "app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_typescript_snippet_as_an_es_module(tmp_path: Path) -> None:
    if not (TS_MODULES / "@honcho-ai" / "sdk").is_dir():
        pytest.fail("the TypeScript SDK is not installed: run `make test` (it runs npm ci in tests/ts)")
    code, expected = snippet_and_output("js", "// app.mjs")
    assert "await " in code and ADDRESS in code
    (tmp_path / "node_modules").symlink_to(TS_MODULES.resolve())
    with loopback_server(create_app().app) as url:
        (tmp_path / "app.mjs").write_text(code.replace(ADDRESS, url))
        result = subprocess.run(["node", "app.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected
