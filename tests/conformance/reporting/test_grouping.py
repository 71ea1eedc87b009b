"""Failures grouped by root cause, in the JSON and JUnit reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from support.runs import sample_result

from conformance.core.vocabulary import (
    RunFinished,
)
from conformance.reporting.json_report import JsonReporter
from conformance.reporting.junit import JUnitReporter, render_junit


def test_reports_group_by_root_cause(tmp_path: Path) -> None:
    result = sample_result()
    assert [(g.check, g.count, g.known) for g in result.groups()] == [("not_a_server_error", 2, False),
                                                                       ("status_code_conformance", 1, True)]
    assert result.exit_code == 1
    root = ET.fromstring(render_junit(result))
    assert root.get("tests") == "3" and root.get("failures") == "1"
    failure = root.find(".//testcase[@name='POST /v3/workspaces']/failure")
    assert failure is not None and "curl -X POST x" in (failure.text or "")
    JsonReporter(tmp_path / "r.json")(RunFinished(result=result))
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["exit_code"] == 1 and report["summary"][0]["count"] == 2 and report["seed"] == 7
    JUnitReporter(tmp_path / "j.xml")(RunFinished(result=result))
    assert ET.parse(tmp_path / "j.xml").getroot().tag == "testsuites"
