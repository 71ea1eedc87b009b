"""`--json-report FILE`: the whole result of a run, for machines.

Every failure carries its curl runnable as written (a body too long or too raw for a shell
argument is read from a file of the run's body directory, named in `body_file`) and the request
whole (`reproduction`: method, URL, headers, body)."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.core.vocabulary import Event, RunFinished
from conformance.reporting.reproductions import BodyFiles


class JsonReporter:
    def __init__(self, path: str | Path, bodies: BodyFiles | None = None) -> None:
        self.path = Path(path)
        self.bodies = bodies or BodyFiles.beside(self.path)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            result = event.result
            data = result.to_dict()
            for failure, written in zip(result.failures, data["failures"]):
                written["curl"] = self.bodies.curl(failure)
                reproduction = failure.reproduction
                if reproduction is not None and reproduction.body_needs_a_file:
                    written["body_file"] = str(self.bodies.body_file(reproduction.body or b""))
            for group, written in zip(result.groups(), data["summary"]):
                written["curl"] = self.bodies.curl(group.first)
                for entry in written["operations"]:
                    entry["curl"] = self.bodies.curl(group.operations[entry["operation"]][0])
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A lone surrogate (generated data) is written as its JSON escape, so the file stays UTF-8.
            self.path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                                 encoding="utf-8", errors="backslashreplace")
