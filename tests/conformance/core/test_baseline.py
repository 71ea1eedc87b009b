"""Baselines: known deviations matched, written, and the entries nothing matched reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.runs import sample_result

from conformance.core.baseline import Baseline, BaselineError


def test_baseline_matches_writes_and_reports_unseen(tmp_path: Path) -> None:
    result = sample_result()
    path = tmp_path / "baseline.json"
    assert Baseline.write(path, result.failures) == 2
    baseline = Baseline.load(path)
    assert all(baseline.matches(f) for f in result.failures)
    (tmp_path / "wild.json").write_text(json.dumps({"version": 1, "known": [
        {"check": "status_code_conformance", "operation": "*", "title": "*HTTP 400*"},
        {"check": "gone", "operation": "*", "title": "*"}]}))
    wild = Baseline.load(tmp_path / "wild.json")
    assert [wild.matches(f) for f in result.failures] == [False, False, True]
    assert wild.unseen(result.failures) == ["gone | * | *"]
    (tmp_path / "bad.json").write_text("[]")
    with pytest.raises(BaselineError):
        Baseline.load(tmp_path / "bad.json")
