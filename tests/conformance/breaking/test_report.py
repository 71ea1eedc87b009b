"""conformance/breaking/report.py: what `breaking` prints, in every format, and the rule table
as `--rules` lists it."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest
from support.contract_variants import BASE, PEERS, UPSTREAM_OLD

from conformance.breaking.changes import Change
from conformance.breaking.documents import load_document
from conformance.breaking.ignore import IgnoreEntry
from conformance.breaking.registry import TABLE
from conformance.breaking.report import FORMATS, RULE_COLUMNS, BreakingReport, rule_table
from conformance.breaking.walk import compare
from conformance.core.openapi import Contract

OLD, NEW = Contract({"openapi": "3.1.0", "info": {"version": "1"}}, name="old.yaml"), Contract(
    {"openapi": "3.1.0", "info": {"version": "2"}}, name="new.yaml")
REMOVED = Change("api-removed-without-deprecation", "error", f"POST {PEERS}", "", "operation removed")
WARNED = Change("request-parameter-removed", "warning", f"GET {PEERS}", "parameter query q", "parameter removed")
ADDED = Change("endpoint-added", "info", "GET /v3/new", "", "operation | added 100%")


def report(*changes: Change, fail_on: str = "error", unused: tuple[IgnoreEntry, ...] = ()) -> BreakingReport:
    return BreakingReport(OLD, NEW, list(changes), list(unused), fail_on)


def test_exit_codes_follow_the_levels_and_what_was_accepted() -> None:
    assert report(REMOVED).exit_code == 1 and report(WARNED, ADDED).exit_code == 0
    assert report(WARNED, fail_on="warning").exit_code == 1
    accepted = replace(REMOVED, accepted=True)
    assert report(accepted).exit_code == 0 and report(accepted).counts() == {
        "error": 0, "warning": 0, "info": 0, "accepted": 1}


def test_text_lists_every_change_and_says_whether_it_breaks() -> None:
    unused = IgnoreEntry(rule="endpoint-added", operation="GET /gone")
    lines = report(REMOVED, ADDED, unused=(unused,)).text().splitlines()
    assert lines[0] == "old.yaml (1) -> new.yaml (2): 2 change(s): 1 breaking, 0 warning(s), 1 info, 0 accepted"
    assert lines[1] == f"  error    api-removed-without-deprecation: POST {PEERS}: operation removed"
    assert "ignore entry not used (outdated?): rule=endpoint-added operation=GET /gone" in lines[3]
    assert lines[-1] == "BREAKING" and report(ADDED).text().endswith("no breaking change\n")


def test_json_carries_every_change_with_its_verdict() -> None:
    data = json.loads(report(REMOVED, WARNED).json())
    assert data["breaking"] is True and data["exit_code"] == 1 and data["old"] == {"path": "old.yaml", "version": "1"}
    assert data["changes"][0] == {"rule": REMOVED.rule, "level": "error", "operation": REMOVED.operation,
                                  "location": "", "message": "operation removed", "accepted": False, "breaking": True}
    assert data["counts"] == {"error": 1, "warning": 1, "info": 0, "accepted": 0}


def test_github_annotates_what_breaks_and_what_may() -> None:
    lines = report(REMOVED, WARNED, ADDED).github().splitlines()
    assert lines[0] == f"::error title=api-removed-without-deprecation::POST {PEERS}: operation removed"
    assert lines[1] == f"::warning title=request-parameter-removed::GET {PEERS} [parameter query q]: parameter removed"
    assert len(lines) == 3 and lines[2].startswith("1 breaking change(s), 1 warning(s), 1 info")


def test_markdown_escapes_table_cells() -> None:
    text = report(REMOVED, ADDED).markdown()
    assert text.startswith("### Breaking changes in the API contract")
    assert f"| **error** | `api-removed-without-deprecation` | `POST {PEERS}` |  | operation removed |" in text
    assert "operation \\| added 100%" in text


def test_markdown_folds_what_breaks_nobody_and_stays_under_a_comment_size() -> None:
    old = load_document(UPSTREAM_OLD)
    new = copy.deepcopy(BASE)
    for name in list(new["paths"])[:3]:
        new["paths"].pop(name)
    for n in range(400):
        new["paths"][f"/v3/new/{n}"] = {"get": {"operationId": f"new_{n}", "responses": {"200": {"description": "ok"}}}}
    big = BreakingReport(old, Contract(new, name="new"), compare(old, Contract(new, name="new")))
    text = big.markdown(limit=8000)
    assert len(text) < 8000
    head, folded = text.split("<details>", 1)
    assert "api-removed-without-deprecation" in head and "endpoint-added" not in head
    assert "endpoint-added" in folded and "more (see the JSON report)" in folded
    annotations = big.github().splitlines()
    assert sum(1 for line in annotations if line.startswith("::error title=api-removed-without-deprecation::")) >= 3
    assert not any("endpoint-added" in line for line in annotations)


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_picks_the_format(fmt: str) -> None:
    assert report(REMOVED).render(fmt) == getattr(report(REMOVED), fmt)()


def test_the_rule_table_in_text_has_a_header_and_a_line_per_rule() -> None:
    lines = rule_table(TABLE, "text").splitlines()
    assert lines[0].split() == list(RULE_COLUMNS) and len(lines) == len(TABLE) + 1
    first = TABLE[0]
    assert lines[1].split(maxsplit=4) == [first.id, first.level, first.direction, first.area, first.description]
    assert len({line.index(" error ") if " error " in line else None for line in lines[1:]} - {None}) == 1, \
        "the columns are aligned"


def test_the_rule_table_as_json_and_markdown() -> None:
    rows = json.loads(rule_table(TABLE, "json"))
    assert [r["id"] for r in rows] == [r.id for r in TABLE] and set(rows[0]) == set(RULE_COLUMNS)
    assert {r["direction"] for r in rows} == {"request", "response", "both"}
    markdown = rule_table(TABLE, "markdown").splitlines()
    assert markdown[0] == "| id | level | direction | area | description |" and len(markdown) == len(TABLE) + 2
