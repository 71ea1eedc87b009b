"""`honcho-conformance breaking` as a user runs it: formats, the output file, the ignore file,
the rule table, and the exit codes (0 nothing breaks, 1 something does, 2 unusable input)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import ROOT
from support.contract_variants import PEERS, PEERS_LIST, UPSTREAM, UPSTREAM_OLD, op, param, upstream

from conformance.breaking.registry import TABLE
from conformance.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = main(["breaking", *map(str, args)])
    return code, capsys.readouterr().out


def files(tmp_path: Path, variant) -> tuple[Path, Path]:
    """The variant's two documents, the old as JSON and the new as YAML."""
    old, new = variant.documents()
    old_path, new_path = tmp_path / "old.json", tmp_path / "new.yaml"
    old_path.write_text(json.dumps(old.document))
    new_path.write_text(yaml.safe_dump(new.document))
    return old_path, new_path


def test_the_installed_command_on_the_upstream_change() -> None:
    result = subprocess.run([sys.executable, "-m", "conformance.cli", "breaking", str(UPSTREAM_OLD), str(UPSTREAM)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "api-description-changed" in result.stdout and result.stdout.endswith("no breaking change\n")


def test_json_and_markdown_of_a_breaking_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_path, new_path = files(tmp_path, upstream(new=lambda d: d["paths"][PEERS].pop("post")))
    code, out = run(capsys, old_path, new_path, "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["breaking"] is True and report["exit_code"] == 1 and report["counts"]["error"] == 1
    assert [c["operation"] for c in report["changes"] if c["breaking"]] == [f"POST {PEERS}"]
    comment = tmp_path / "out" / "comment.md"
    code, out = run(capsys, old_path, new_path, "--format", "markdown", "--output", comment)
    assert code == 1 and out.endswith("BREAKING\n"), "the text report goes to stdout beside the file"
    text = comment.read_text()
    assert text.startswith("### Breaking changes")
    assert f"| **error** | `api-removed-without-deprecation` | `POST {PEERS}`" in text
    code, out = run(capsys, old_path, new_path, "--format", "github")
    assert code == 1 and out.startswith("::error title=api-removed-without-deprecation::")


def test_an_ignore_file_accepts_a_breaking_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_path, new_path = files(tmp_path, upstream(
        new=lambda d: param(d, PEERS_LIST, "size")["schema"].update(maximum=50)))
    ignore = tmp_path / "accepted.yaml"
    ignore.write_text("version: 1\naccepted:\n"
                      "  - rule: request-property-bound-narrowed\n    operation: 'POST /v3/workspaces/*/peers/list'\n"
                      "    note: nobody pages by more than 50\n"
                      "  - rule: api-removed-*\n    operation: GET /nowhere\n    note: stale\n")
    code, out = run(capsys, old_path, new_path, "--ignore", ignore, "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["counts"]["accepted"] == 1 and report["counts"]["error"] == 0
    assert [e["operation"] for e in report["unused_ignore_entries"]] == ["GET /nowhere"]
    assert run(capsys, old_path, new_path)[0] == 1


def test_warnings_fail_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_path, new_path = files(tmp_path, upstream(new=lambda d: op(d, PEERS_LIST)["parameters"].remove(
        param(d, PEERS_LIST, "reverse"))))
    assert run(capsys, old_path, new_path)[0] == 0
    assert run(capsys, old_path, new_path, "--fail-on", "warning")[0] == 1


def test_unusable_input_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    not_openapi = tmp_path / "x.json"
    not_openapi.write_text('{"swagger": "2.0", "paths": {}}')
    bad_ignore = tmp_path / "ignore.yaml"
    bad_ignore.write_text("version: 1\naccepted:\n  - rule: no-such-rule\n")
    for args in [(not_openapi, UPSTREAM), (tmp_path / "missing.json", UPSTREAM), (UPSTREAM_OLD,),
                 (UPSTREAM_OLD, UPSTREAM, "--ignore", bad_ignore)]:
        code, out = run(capsys, *args)
        assert code == 2 and out.startswith("honcho-conformance breaking: ") and out.count("\n") == 1, (args, out)
    assert "no-such-rule" in out


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
def test_rules_lists_the_table(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out = run(capsys, "--rules", "--format", fmt)
    assert code == 0
    if fmt == "json":
        assert [(r["id"], r["level"], r["direction"], r["area"]) for r in json.loads(out)] == [
            (r.id, r.level, r.direction, r.area) for r in TABLE]
    else:
        assert all(rule.id in out and rule.description in out for rule in TABLE)
        assert len(out.splitlines()) == len(TABLE) + (2 if fmt == "markdown" else 1)
