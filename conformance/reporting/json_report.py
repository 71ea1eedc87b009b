"""`--json-report FILE`: the whole result of a run, for machines."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.core.vocabulary import Event, RunFinished


class JsonReporter:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A lone surrogate (generated data) is written as its JSON escape, so the file stays UTF-8.
            self.path.write_text(json.dumps(event.result.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n",
                                 encoding="utf-8", errors="backslashreplace")
