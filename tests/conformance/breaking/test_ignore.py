"""conformance/breaking/ignore.py: the ignore file read strictly (a typo must not accept
nothing, silently) and matched by shell wildcards."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.breaking.changes import BreakingError, Change
from conformance.breaking.ignore import IgnoreEntry, accept, load_ignore

RULE_IDS = ("request-property-bound-narrowed", "api-removed-without-deprecation", "endpoint-added")
NARROWED = Change("request-property-bound-narrowed", "error", "POST /v3/workspaces/{workspace_id}/peers/list",
                  "parameter query size", "maximum 100 -> 50")


def load(tmp_path: Path, text: str, name: str = "accepted.yaml") -> list[IgnoreEntry]:
    path = tmp_path / name
    path.write_text(text)
    return load_ignore(path, RULE_IDS)


def test_entries_match_by_wildcards_and_are_marked_used(tmp_path: Path) -> None:
    entries = load(tmp_path, "version: 1\naccepted:\n"
                             "  - rule: request-property-bound-*\n    operation: 'POST /v3/workspaces/*/peers/list'\n"
                             "    location: parameter query size*\n    note: nobody pages by more than 50\n"
                             "  - rule: api-removed-*\n    operation: GET /nowhere\n    note: stale\n")
    [accepted] = accept([NARROWED], entries)
    assert accepted.accepted and not accepted.breaking
    assert [e.used for e in entries] == [True, False]
    assert entries[1].to_dict() == {"rule": "api-removed-*", "operation": "GET /nowhere", "location": "*",
                                    "message": "*", "note": "stale"}


def test_json_is_read_too(tmp_path: Path) -> None:
    entries = load(tmp_path, '{"version": 1, "accepted": [{"message": "maximum * -> 50"}]}', "accepted.json")
    assert accept([NARROWED], entries)[0].accepted


def test_an_entry_that_does_not_match_leaves_the_change_alone(tmp_path: Path) -> None:
    entries = load(tmp_path, "version: 1\naccepted:\n  - operation: GET /elsewhere\n")
    assert accept([NARROWED], entries) == [NARROWED] and not entries[0].used


@pytest.mark.parametrize(("text", "complaint"), [
    ("accepted: []\n", "an ignore file is"),
    ("version: 2\naccepted: []\n", "an ignore file is"),
    ("version: 1\naccepted: {}\n", "an ignore file is"),
    ("version: 1\naccepted:\n  - {}\n", "entry 1 must be an object"),
    ("version: 1\naccepted:\n  - rule: endpoint-added\n    why: no\n", "entry 1 must be an object"),
    ("version: 1\naccepted:\n  - rule: endpoint-added\n  - rule: 7\n", "entry 2: every field is a string"),
    ("version: 1\naccepted:\n  - rule: no-such-rule\n", "no rule matches 'no-such-rule'"),
    ("version: 1\naccepted: [\n", "cannot read ignore file"),
])
def test_a_malformed_ignore_file_says_what_is_wrong(tmp_path: Path, text: str, complaint: str) -> None:
    with pytest.raises(BreakingError, match=complaint):
        load(tmp_path, text)


def test_an_unreadable_ignore_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BreakingError, match="cannot read ignore file"):
        load_ignore(tmp_path / "missing.yaml", RULE_IDS)
