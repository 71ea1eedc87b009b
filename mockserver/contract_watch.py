"""`honcho-mock --watch`: the contract is read again when its file changes, the state kept.

Prism reloads the document it serves when it changes; so does the mock. watchfiles (the file watcher
uvicorn's own --reload uses) watches the file's directory, since editors save by writing a new file
and renaming it over the old one, which a watch on the file itself would lose. Each change is one
line on the console: the contract reloaded (and how many operations it has), or why it was not, in
which case the contract served before stays (`MockServer.reload_contract` builds the new stack whole
before it replaces anything).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

import watchfiles
import yaml
from connexion.exceptions import InvalidSpecification

from mockserver.app import MockServer
from mockserver.contract.document import yaml_problem

DEBOUNCE_MS = 200  # changes within this long are one reload (an editor's save is several events)


def problem(exc: BaseException) -> str:
    """Why a contract file cannot be served, in one line."""
    if isinstance(exc, InvalidSpecification):
        where = "/".join(str(part) for part in exc.absolute_path)
        return f"not a valid OpenAPI document: {exc.message} (at /{where})"
    if isinstance(exc, yaml.YAMLError):
        return f"not YAML: {yaml_problem(exc)}"
    if isinstance(exc, OSError):
        return f"cannot read it: {exc.strerror or exc}"
    return " ".join(str(exc).split()) or type(exc).__name__


class ContractWatch:
    """A thread that reloads `server`'s contract whenever its file changes; `stop()` ends it."""

    def __init__(self, server: MockServer, say: Callable[[str], None]) -> None:
        self.server = server
        self.say = say
        self.path = Path(server.contract_file or "").resolve()
        self.reloads = 0  # reload attempts finished: what a test waits on
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="honcho-mock-watch", daemon=True)

    def start(self) -> "ContractWatch":
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _changed(self, change: watchfiles.Change, path: str) -> bool:
        return Path(path).resolve() == self.path or Path(path).name == self.path.name

    def _run(self) -> None:
        watcher = watchfiles.watch(self.path.parent, watch_filter=self._changed, stop_event=self._stop,
                                   debounce=DEBOUNCE_MS, step=50, yield_on_timeout=True, rust_timeout=200,
                                   recursive=False)
        for changes in watcher:  # every round, changed or not (a timeout): the watch is in place
            self._ready.set()
            if changes and self.path.exists():  # a removal alone is half of an editor's save: its rename follows
                self.reload()

    def reload(self) -> None:
        name = self.server.contract_file
        try:
            self.server.reload_contract()
        except Exception as exc:  # whatever the file holds, the mock goes on with the contract it had
            self.say(f"--watch: {name} not reloaded, the contract served before stays: {problem(exc)}")
        else:
            contract = self.server.contract
            self.say(f"--watch: reloaded {name} ({len(contract.operations)} operations, OpenAPI {contract.version})")
        finally:
            self.reloads += 1
