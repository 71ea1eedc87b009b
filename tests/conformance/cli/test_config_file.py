"""Options from honcho-conformance.toml or pyproject.toml's [tool.honcho-conformance], as a CI job keeps them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import loopback_server

from conformance.cli.main import main
from mockserver import create_app


class Headers:
    """An ASGI app that remembers the headers of every request before passing it on."""

    def __init__(self, app: object) -> None:
        self.app, self.seen = app, []

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            self.seen.append({k.decode().lower(): v.decode() for k, v in scope["headers"]})
        await self.app(scope, receive, send)


@pytest.mark.timeout(180)
def test_options_come_from_the_file_and_the_command_line_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = Headers(create_app(seed=14).app)
    with loopback_server(server) as url:
        (tmp_path / "honcho-conformance.toml").write_text(
            f'base-url = "{url}"\nprofile = "thorough"\nphases = ["semantics"]\n'
            'include-checks = ["get_or_create", "reverse_*"]\nheader = ["X-Team: qa"]\nno-progress = true\n')
        (tmp_path / "nested").mkdir()
        monkeypatch.chdir(tmp_path / "nested")  # found in the nearest parent that has one
        code = main(["run", "--profile", "quick", "--seed", "3", "--json-report", str(tmp_path / "r.json")])
    report = json.loads((tmp_path / "r.json").read_text())
    assert code == 0 and report["profile"] == "quick"  # the command line wins over the file
    semantics = report["phases"][0]
    assert set(semantics["cases"]) == {"setup", "get_or_create", "reverse_exact"}  # only the included checks ran
    assert server.seen and all(h.get("x-team") == "qa" for h in server.seen)  # -H from the file, on every request


def test_pyproject_table_unknown_keys_and_bad_values_are_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.honcho-conformance]\nbase-url = "ftp://nope"\n')
    assert main(["run"]) == 2 and "--base-url must be an http(s) URL" in capsys.readouterr().out
    (tmp_path / "pyproject.toml").write_text('[tool.honcho-conformance]\nbase_url = "http://x"\nno-such-option = 1\n')
    assert main(["run"]) == 2 and "unknown option 'no-such-option'" in capsys.readouterr().out
    (tmp_path / "pyproject.toml").write_text('[tool.honcho-conformance]\nbase-url = "http://x"\nphases = ["nope"]\n')
    assert main(["run"]) == 2 and "unknown phase" in capsys.readouterr().out
    own = tmp_path / "ci.toml"
    own.write_text('base-url = "http://x"\nexclude-checks = ["no_such_check"]\n')
    assert main(["run", "--config", str(own)]) == 2 and "names no check" in capsys.readouterr().out
    assert main(["run", "--config", str(tmp_path / "missing.toml")]) == 2 and "no such file" in capsys.readouterr().out
