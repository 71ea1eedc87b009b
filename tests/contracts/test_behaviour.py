"""The behaviour switches of a version file (honcho_contracts/behaviour.py): every switch set, each
to a value it takes, each with its evidence."""

from __future__ import annotations

import dataclasses

import pytest

from honcho_contracts import Behaviour, BehaviourError

EVERY = {f.name: {"value": False, "why": "recorded"} for f in dataclasses.fields(Behaviour)}
EVERY["peer_name_refusals"] = {"value": "model", "why": "recorded"}  # a switch of named values


def test_a_complete_file_reads_as_the_switches() -> None:
    values = {**EVERY, "webhook_refuses_internal_ip": {"value": True, "why": "recorded"}}
    behaviour = Behaviour.from_mapping(values, "v.yaml")
    assert behaviour.webhook_refuses_internal_ip is True and behaviour.recall_filters is False


@pytest.mark.parametrize("values, problem", [
    ({k: v for k, v in EVERY.items() if k != "recall_filters"}, "missing \\['recall_filters'\\]"),
    ({**EVERY, "invented": {"value": 1, "why": "x"}}, "unknown \\['invented'\\]"),
    ({**EVERY, "recall_filters": {"value": "yes", "why": "x"}}, "cannot be 'yes'"),
    ({**EVERY, "recall_filters": {"value": 1, "why": "x"}}, "cannot be 1"),
    ({**EVERY, "recall_filters": True}, "must be \\{value"),
    ({**EVERY, "recall_filters": {"value": True, "why": " "}}, "must be \\{value"),
    ([], "must be a mapping"),
])
def test_an_incomplete_or_wrong_file_is_refused(values: object, problem: str) -> None:
    with pytest.raises(BehaviourError, match=problem):
        Behaviour.from_mapping(values, "v.yaml")  # type: ignore[arg-type]
