"""docs/versions.md in step with the contracts: its generated part is what `honcho-conformance
breaking` says of every consecutive pair of the contracts the project carries, and no pair breaks
a client without the page saying so."""

from __future__ import annotations

from support.versions_page import PAGE, consecutive_reports, page_now

import honcho_contracts


def test_breaking_runs_over_every_consecutive_pair_of_our_contracts() -> None:
    pairs = [(old, new) for old, new, _ in consecutive_reports()]
    carried = [v.name for v in honcho_contracts.versions() if v.contract is not None]
    assert pairs == list(zip(carried, carried[1:])) and len(pairs) >= 2
    for old, new, report in consecutive_reports():
        assert report.exit_code == 0, f"{old} -> {new} breaks clients:\n{report.text()}"
        assert report.changes, f"{old} -> {new}: no change at all"


def test_the_page_shows_what_breaking_says() -> None:
    assert PAGE.read_text(encoding="utf-8") == page_now(), \
        "docs/versions.md is out of step: run `PYTHONPATH=.:tests .venv/bin/python tests/support/versions_page.py --write`"
