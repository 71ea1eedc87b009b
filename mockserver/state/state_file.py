"""Opt-in persistence: `--state-file PATH` keeps the mock's state across restarts.

- At start the file is read and loaded; a missing file means an empty mock (the file is
  made at the first save). A file that is not a state document written by this mock (not
  JSON, no `"format": "honcho-mock-state/1"` marker, or a document that does not load)
  is refused with a clear message and left exactly as it is.
- Saving is atomic: the state is written to a temporary file in the same directory,
  fsynced, renamed over PATH (`os.replace`), then the directory is fsynced. A crash
  (`kill -9`) at any moment leaves either the previous file or the new one, never a mix.
- A periodic task saves at most every `interval` seconds, and only after requests that
  may have changed something (any method but GET/HEAD/OPTIONS); a state identical to the
  last save is not rewritten, so an idle mock does not touch the disk. A `kill -9` loses
  at most the writes of the last interval (plus the save in flight).
- On shutdown (SIGTERM/SIGINT: uvicorn lets in-flight requests finish, then runs the
  ASGI lifespan shutdown) the state is saved one last time.
- A lock (`flock` on PATH.lock) stops a second mock from using the same file. The lock file
  lives as long as the lock: it is removed, still locked, when the mock lets go of the file
  (at shutdown, or when it refuses a file it did not write), so nothing is left behind. A
  mock that locked a lock file another one had just removed sees that the path no longer
  names what it locked, and starts over.

The store must only be touched on the event loop thread: the snapshot is taken there
(`dump_state`, then JSON), and only the bytes are written from a worker thread.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import hashlib
import json
import logging
import os
import stat
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mockserver.json_text import encode_json
from mockserver.state.fixtures import FORMAT, FixtureError, dump_state, load_fixtures
from mockserver.state.store import Admission, Store
from mockserver.timestamps import parse_timestamp

logger = logging.getLogger("mockserver.state.state_file")
DEFAULT_SAVE_INTERVAL = 1.0
_CLOCK_CEILING = datetime(9000, 1, 1, tzinfo=timezone.utc)


class StateFileError(ValueError):
    """The state file cannot be used; the message says why and what to do."""


class StateFile:
    """One state file: load at start, atomic saves, a periodic saver for the event loop."""

    def __init__(self, path: str | os.PathLike[str], interval: float = DEFAULT_SAVE_INTERVAL) -> None:
        if interval <= 0:
            raise StateFileError(f"the save interval must be positive, not {interval}")
        self.path = Path(path).absolute()
        self.interval = interval
        self.dirty = False
        self.restored = False
        self.saves = 0
        self.ticks = 0  # saver rounds finished: what a test waits on instead of a timer
        self._digest: bytes | None = None
        self._lock_fd: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._saving: asyncio.Lock | None = None

    # -- start ------------------------------------------------------------------------
    def open(self, store: Store) -> bool:
        """Lock the file and load it into `store`; answers whether there was state to load."""
        self._acquire_lock()
        try:
            document, raw = self._read()
            self._remove_stale_temporaries()
            if document is not None:
                _reseed_clock(store, raw)  # before loading: loading makes (temporary) ids too
                _load_state(store, document, self.path)
                _advance_clock(store)
                self._digest = hashlib.sha256(raw).digest()
                self.restored = True
        except BaseException:
            self.close()
            raise
        return self.restored

    def _acquire_lock(self) -> None:
        if not self.path.parent.is_dir():
            raise StateFileError(f"state file {self.path}: directory {self.path.parent} does not exist")
        try:
            probe, probe_path = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".probe", dir=self.path.parent)
            os.close(probe)
            os.unlink(probe_path)
        except OSError as exc:
            raise StateFileError(f"state file {self.path}: cannot write in {self.path.parent} ({exc.strerror})") from None
        for _ in range(100):  # each round loses only to a mock that removed the lock file meanwhile
            fd = self._lock_once()
            if fd is not None:
                self._lock_fd = fd
                return
        raise StateFileError(f"state file {self.path}: its lock {self._lock_path} keeps changing; is another mock starting?")

    @property
    def _lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _lock_once(self) -> int | None:
        """The locked descriptor of the lock file, or None when the file was removed while we locked it."""
        try:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StateFileError(f"state file {self.path}: cannot write in {self.path.parent} ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise StateFileError(f"state file {self.path} is in use by another honcho-mock (lock {self._lock_path})") from None
            raise
        try:
            current = os.stat(self._lock_path)
        except FileNotFoundError:
            current = None
        held = os.fstat(fd)
        if current is None or (current.st_dev, current.st_ino) != (held.st_dev, held.st_ino):
            os.close(fd)  # its holder removed it before we locked it: that lock guards nothing now
            return None
        return fd

    def _read(self) -> tuple[dict[str, Any] | None, bytes]:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None, b""
        if not stat.S_ISREG(info.st_mode):
            raise StateFileError(f"state file {self.path} is not a regular file; refusing to use it")
        raw = self.path.read_bytes()
        refuse = ("refusing to start so that it is not overwritten: move it away, or pass another --state-file")
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise StateFileError(f"state file {self.path} is corrupt or not JSON ({_short(exc)}); {refuse}") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            found = document.get("format") if isinstance(document, dict) else None
            what = f"its format is {found!r}" if found is not None else "it has no format marker"
            raise StateFileError(f"state file {self.path} was not written by honcho-mock ({what}, expected {FORMAT!r}); {refuse}")
        return document, raw

    def _remove_stale_temporaries(self) -> None:
        """Temporary files a killed mock left behind (only ours: we hold the lock)."""
        prefix = f".{self.path.name}."
        for candidate in self.path.parent.iterdir():
            if candidate.name.startswith(prefix) and candidate.name.endswith(".tmp"):
                try:
                    candidate.unlink()
                except OSError:
                    pass

    def close(self) -> None:
        """Release the lock and remove its file, while still holding it (see the module's docstring)."""
        if self._lock_fd is not None:
            try:
                os.unlink(self._lock_path)
            except OSError:
                pass
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- saving -----------------------------------------------------------------------
    def snapshot(self, store: Store) -> bytes:
        """The state as the bytes of a state file (call on the event loop thread)."""
        return encode_json(dump_state(store)) + b"\n"

    def write(self, data: bytes) -> None:
        """Atomically replace the state file with `data` (any thread)."""
        directory = self.path.parent
        mode = 0o600
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except FileNotFoundError:
            pass
        fd, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self.saves += 1

    def _pending(self, store: Store, force: bool) -> tuple[bytes, bytes] | None:
        """The snapshot to write and its digest; None when the file already holds this state."""
        if not (self.dirty or force or not self.path.exists()):
            return None
        self.dirty = False
        data = self.snapshot(store)
        digest = hashlib.sha256(data).digest()
        if digest == self._digest and self.path.exists():
            return None
        return data, digest

    def save_now(self, store: Store, force: bool = False) -> bool:
        """Save synchronously (no event loop running); answers whether the file was written."""
        pending = self._pending(store, force)
        if pending is None:
            return False
        self.write(pending[0])
        self._digest = pending[1]
        return True

    async def save(self, store: Store, force: bool = False) -> bool:
        """Snapshot on the loop, write in a thread; answers whether the file was written."""
        if self._saving is None:
            self._saving = asyncio.Lock()
        async with self._saving:
            pending = self._pending(store, force)
            if pending is None:
                return False
            try:
                await asyncio.to_thread(self.write, pending[0])
            except BaseException:
                self.dirty = True
                raise
            self._digest = pending[1]
            return True

    # -- the periodic saver (ASGI lifespan) --------------------------------------------
    def start(self, store: Store) -> None:
        if self._task is None:
            self._stop = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(store), name="honcho-mock state saver")

    async def stop(self) -> None:
        """Wake the saver for a last save and wait for it; then release the lock."""
        if self._task is not None and self._stop is not None:
            self._stop.set()
            try:
                await self._task
            finally:
                self._task = None
        self.close()

    async def _run(self, store: Store) -> None:
        assert self._stop is not None
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self.interval)
            except asyncio.TimeoutError:
                pass
            try:
                await self.save(store)
            except Exception:  # a full disk must not stop the mock: log it, retry next interval
                logger.exception("honcho-mock: could not save the state to %s", self.path)
            self.ticks += 1


def _load_state(store: Store, document: dict[str, Any], path: Path) -> None:
    """Load a state document whole, whatever record cap is set (the cap applies to new writes)."""
    admission, store.admission = store.admission, Admission()
    try:
        load_fixtures(store, document, f"state file {path}")
    except (FixtureError, RecursionError) as exc:
        raise StateFileError(f"state file {path} has the honcho-mock format marker but does not load ({_short(exc)}); "
                             f"refusing to start so that it is not overwritten: move it away, or pass another --state-file") from None
    finally:
        store.admission = admission
        admission.reset(store.record_count())


def _reseed_clock(store: Store, raw: bytes) -> None:
    """A seeded mock restarted on saved state must not make the ids it already made.

    Its clock would start over at the seed and make the stored ids again (and a message
    made with a stored id replaces the stored one). The id generator is re-seeded from
    the seed and the state's digest: still reproducible for a given seed and state file.
    """
    store.clock.reseed(hashlib.sha256(raw).hexdigest())


def _advance_clock(store: Store) -> None:
    """A seeded clock continues after the newest stored record instead of at its epoch."""
    if store.clock.seed is None:
        return
    stamps = [w.record["created_at"] for w in store.workspaces.values()]
    for workspace in store.workspaces.values():
        stamps.extend(p.record["created_at"] for p in workspace.peers.values())
        stamps.extend(s.record["created_at"] for s in (*workspace.sessions.values(), *workspace.deleted_sessions.values()))
    newest = [moment for moment in map(parse_timestamp, stamps) if moment < _CLOCK_CEILING]
    if newest:
        store.clock.continue_after(max(newest))


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."
