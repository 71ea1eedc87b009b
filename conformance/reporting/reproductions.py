"""Runnable curls, never cut: a body too long or too raw for a shell argument goes to a file.

A fuzzed body can hold a NUL (no shell argument can), carriage returns, bytes that are not
UTF-8, or thousands of characters; printed inline it is either cut or not runnable. Such a
body is written once to a file named by its content (`<sha256 prefix>.body`) in the run's
body directory, and the curl reads it (`--data-binary @FILE`: every byte as it is). The
console, the JSON report and the HTML page share one `BodyFiles`, so they name the same file.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from conformance.core.vocabulary import Failure


class BodyFiles:
    """The directory of a run's request bodies (made when the first one is written)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self._directory = Path(directory) if directory is not None else None
        self.written: list[Path] = []

    @classmethod
    def beside(cls, report: str | Path | None) -> "BodyFiles":
        """Next to a report file (`reports/run.json` -> `reports/run.bodies/`), else a temporary directory."""
        return cls(Path(report).with_suffix(".bodies") if report is not None else None)

    @property
    def directory(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="honcho-conformance-bodies-"))
        return self._directory

    def curl(self, failure: Failure) -> str:
        """The failure's curl, runnable as printed."""
        reproduction = failure.reproduction
        if reproduction is None:
            return failure.curl
        if not reproduction.body_needs_a_file:
            return reproduction.curl()
        return reproduction.curl(data_file=str(self.body_file(reproduction.body or b"")))

    def body_file(self, body: bytes) -> Path:
        path = self.directory / f"{hashlib.sha256(body).hexdigest()[:16]}.body"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            self.written.append(path)
        return path
