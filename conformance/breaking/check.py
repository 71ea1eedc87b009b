"""The whole `breaking` command but its output: two documents read, compared, and the ignore
file applied, into a report."""

from __future__ import annotations

from pathlib import Path

from conformance.breaking.changes import BreakingError
from conformance.breaking.documents import load_document
from conformance.breaking.ignore import accept, load_ignore
from conformance.breaking.registry import RULES
from conformance.breaking.report import BreakingReport
from conformance.breaking.walk import compare
from conformance.core.openapi import DocumentError


def check(old_path: str | Path, new_path: str | Path, *, ignore: str | Path | None = None,
          fail_on: str = "error") -> BreakingReport:
    """Compare two documents and apply an ignore file (BreakingError: unreadable input)."""
    old, new = load_document(old_path), load_document(new_path)
    entries = load_ignore(ignore, RULES) if ignore else []
    try:
        changes = accept(compare(old, new), entries)
    except DocumentError as exc:  # a $ref that names nothing, met on the way
        raise BreakingError(str(exc)) from exc
    return BreakingReport(old, new, changes, [e for e in entries if not e.used], fail_on)
