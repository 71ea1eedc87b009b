"""conformance/breaking/changes.py: a change, and whether it breaks."""

from __future__ import annotations

from dataclasses import replace

from conformance.breaking.changes import LEVELS, Change, short

CHANGE = Change("request-property-bound-narrowed", "error", "POST /x", "parameter query size", "maximum 100 -> 50")


def test_an_error_breaks_unless_accepted() -> None:
    assert CHANGE.breaking and not replace(CHANGE, accepted=True).breaking
    assert not replace(CHANGE, level="warning").breaking
    assert CHANGE.to_dict()["breaking"] is True and CHANGE.to_dict()["level"] == "error"


def test_levels_run_from_the_worst() -> None:
    assert LEVELS == ("error", "warning", "info")


def test_short_quotes_a_value_on_one_line() -> None:
    assert short("a\n  b") == "a b" and short(["x"]) == '["x"]'
    assert short("y" * 100, limit=10) == "yyyyyyy..."
