"""`--state-file`: state survives restarts, `kill -9` never corrupts it, bad files are refused.

Real `honcho-mock` processes on 127.0.0.1 are killed (SIGKILL) at random moments while a
client writes, and restarted on the same file; SIGTERM is sent while a request is in
flight. Every process is killed by its own id when its test ends.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import loopback_server, wait_for
from support.mock_process import MockProcess, run_cli

from mockserver.app import MockConfig, MockServer
from mockserver.cli import main as cli_main
from mockserver.state.fixtures import FORMAT, dump_state
from mockserver.state.state_file import StateFile, StateFileError

MESSAGES = "/v3/workspaces/{w}/sessions/{s}/messages"


def read_state(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_bytes())  # never corrupt: always whole JSON
    assert document["format"] == FORMAT
    return document


def markers(document: dict[str, Any]) -> set[str]:
    """The `mark` metadata of every stored message."""
    return {m["metadata"]["mark"] for w in document["workspaces"] for s in w["sessions"] for m in s["messages"]
            if "mark" in m["metadata"]}


def temporaries(path: Path) -> list[str]:
    return [p.name for p in path.parent.iterdir() if p.name.startswith(f".{path.name}.") and p.name.endswith(".tmp")]


def first_difference(expected: Any, actual: Any, where: str = "") -> str:
    """Where two JSON documents first differ, for assertion messages."""
    if type(expected) is not type(actual):
        return f"{where}: {str(expected)[:200]} != {str(actual)[:200]}"
    if isinstance(expected, dict):
        for key in [*expected, *(k for k in actual if k not in expected)]:
            if expected.get(key) != actual.get(key):
                return first_difference(expected.get(key), actual.get(key), f"{where}/{key}")
    elif isinstance(expected, list):
        for index, (left, right) in enumerate(zip(expected, actual)):
            if left != right:
                return first_difference(left, right, f"{where}/{index}")
        if len(expected) != len(actual):
            return f"{where}: {len(expected)} items != {len(actual)} items"
    elif expected != actual:
        return f"{where}: {expected!r:.200} != {actual!r:.200}"
    return ""


class Writer(threading.Thread):
    """Posts message batches one after another; remembers when each was acknowledged."""

    def __init__(self, url: str, tag: str, content_size: int = 2000) -> None:
        super().__init__(daemon=True)
        self.url, self.tag, self.content = url, tag, "x" * content_size
        self.acked: dict[str, float] = {}
        self.sent: set[str] = set()
        self.stop = threading.Event()
        self.errors: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=5) as client:
            n = 0
            while not self.stop.is_set():
                mark = f"{self.tag}-{n}"
                body = {"messages": [{"peer_id": f"p{n % 3}", "content": self.content, "metadata": {"mark": mark}}]}
                self.sent.add(mark)
                try:
                    answer = client.post(MESSAGES.format(w="w", s=f"s{n % 4}"), json=body)
                except httpx.HTTPError:
                    return  # the server was killed
                if answer.status_code != 201:
                    self.errors.append(f"{answer.status_code} {answer.text[:200]}")
                    return
                self.acked[mark] = time.monotonic()
                n += 1


def test_kill_9_at_random_moments_never_corrupts_and_loses_at_most_the_last_interval(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    interval, margin = 0.2, 0.8
    expected: set[str] = set()  # every mark the file must keep from now on
    sent_all: set[str] = set()
    for round_ in range(6):
        fast = round_ >= 4  # last rounds: saving nearly all the time, so the kill is likely to land in a save
        args = ["--state-file", str(path), "--save-interval", "0.01" if fast else str(interval), "--seed", "11"]
        with MockProcess(*args) as mock:
            mock.wait_ready()
            assert not temporaries(path), "a restart removes the temporaries a killed mock left"
            if path.exists():
                on_disk = read_state(path)
                served = httpx.get(mock.url + "/_mock/state", timeout=10).json()
                assert served == on_disk, (f"round {round_}: the restarted mock does not serve what the file holds "
                                           f"(seed {seed}): {first_difference(on_disk, served)}")
            writer = Writer(mock.url, f"r{round_}")
            writer.start()
            time.sleep(rng.uniform(0.8, 2.0))
            kill_time = time.monotonic()
            mock.kill()
            writer.stop.set()
            writer.join(10)
            assert not writer.errors, writer.errors
        document = read_state(path)
        kept = markers(document)
        window = interval if not fast else 0.01
        must_keep = {m for m, t in writer.acked.items() if t <= kill_time - window - margin}
        expected |= must_keep
        assert expected <= kept, (f"round {round_}: lost {len(expected - kept)} writes acknowledged more than "
                                  f"{window + margin}s before the kill (seed {seed})")
        sent_all |= writer.sent
        assert kept <= sent_all, "the file holds writes never made"
        ids = [m["id"] for w in document["workspaces"] for s in w["sessions"] for m in s["messages"]]
        assert len(ids) == len(set(ids)), "message ids are unique across restarts of a seeded mock"
        expected = kept  # what one round's file kept (loaded by the next mock), the next rounds keep
    assert len(expected) > 50, "the writers got enough done for the test to mean something"


def server_has_read(port: int, client_port: int) -> bool:
    """The server's end of the loopback connection from `client_port` exists and holds no unread
    bytes (/proc/net/tcp): the mock has taken what was sent (its headers parsed in the same turn)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, queues = fields[1], fields[2], fields[4]
        if int(local.split(":")[1], 16) == port and int(remote.split(":")[1], 16) == client_port:
            return int(queues.split(":")[1], 16) == 0
    return False


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_sigterm_finishes_the_request_in_flight_then_saves(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with MockProcess("--state-file", str(path), "--save-interval", "600") as mock:
        mock.wait_ready()
        with httpx.Client(base_url=mock.url, timeout=10) as client:
            assert client.post(MESSAGES.format(w="w", s="s"), json={"messages": [{"peer_id": "a", "content": "before"}]}).status_code == 201
        body = json.dumps({"messages": [{"peer_id": "a", "content": "in flight"}]}).encode()
        with socket.create_connection(("127.0.0.1", mock.port), timeout=10) as sock:
            sock.sendall(b"POST /v3/workspaces/w/sessions/s/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:10])
            wait_for(lambda: server_has_read(mock.port, sock.getsockname()[1]))  # the request is in flight
            mock.signal(signal.SIGTERM)
            wait_for(lambda: refuses_connections(mock.port))  # shutting down: it no longer listens
            assert mock.popen.poll() is None, "the mock waits for the request in flight"
            sock.sendall(body[10:])
            answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
        code = mock.wait(20)
        assert code in (0, -signal.SIGTERM), mock.output()
    contents = [m["content"] for m in read_state(path)["workspaces"][0]["sessions"][0]["messages"]]
    assert contents == ["before", "in flight"]
    assert not temporaries(path)


BAD_FILES = {
    "truncated": b'{"format": "honcho-mock-state/1", "workspaces": [{"id": "w"',
    "empty": b"",
    "binary": bytes(range(256)),
    "invalid utf-8": b'{"format": "honcho-mock-state/1", "workspaces": [], "x": "\xff\xfe"}',
    "foreign json": b'{"workspaces": []}',
    "other format": b'{"format": "honcho-mock-state/99", "workspaces": []}',
    "json list": b"[1, 2, 3]",
    "yaml": b"workspaces:\n  - id: w\n",
    "marker but bad content": b'{"format": "honcho-mock-state/1", "workspaces": [{"no id": 1}]}',
    "deeply nested": b'{"format": "honcho-mock-state/1", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_corrupt_or_foreign_state_file_is_refused_and_left_untouched(tmp_path: Path, name: str,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(BAD_FILES[name])
    before = path.stat()
    assert cli_main(["--state-file", str(path), "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "refusing to start" in err, err
    assert "Traceback" not in err
    assert path.read_bytes() == BAD_FILES[name]
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert not temporaries(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]  # no lock file left beside it


def test_the_console_script_exits_2_on_a_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text('{"my": "notes"}')
    result = run_cli(["--state-file", str(path)])
    assert result.returncode == 2, result
    assert "was not written by honcho-mock" in result.stderr and "Traceback" not in result.stderr
    assert path.read_text() == '{"my": "notes"}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json"]


def test_a_second_mock_cannot_use_the_same_state_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = MockServer(MockConfig(state_file=path))
    try:
        with pytest.raises(StateFileError, match="in use by another honcho-mock"):
            MockServer(MockConfig(state_file=path))
        assert (tmp_path / "state.json.lock").exists()  # the refused mock leaves the holder's lock alone
    finally:
        assert first.state_file is not None
        first.state_file.close()
    assert not (tmp_path / "state.json.lock").exists()
    MockServer(MockConfig(state_file=path)).state_file.close()  # free again once released


def test_a_mock_that_ran_leaves_its_state_file_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    server = MockServer(MockConfig(state_file=path))
    server.store.get_or_create_workspace("w")
    assert server.state_file is not None and server.state_file.save_now(server.store)
    server.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    assert [w["id"] for w in read_state(path)["workspaces"]] == ["w"]


def test_a_lock_file_removed_by_its_holder_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The one race of removing lock files: a mock that opened the lock file just before its holder removed
    it would lock a file nobody else can find; it sees the path changed and locks the file the path names."""
    import fcntl

    path = tmp_path / "state.json"
    lock = tmp_path / "state.json.lock"
    real_flock = fcntl.flock
    locked: list[int] = []

    def holder_removes_it_first(fd: int, operation: int) -> None:
        if not locked:
            os.unlink(lock)  # the previous holder let go between our open and our flock
        locked.append(fd)
        real_flock(fd, operation)

    monkeypatch.setattr(fcntl, "flock", holder_removes_it_first)
    state = StateFile(path)
    state.open(MockServer().store)
    try:
        assert len(locked) == 2 and state._lock_fd is not None
        held, named = os.fstat(state._lock_fd), lock.stat()
        assert (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)
    finally:
        state.close()
    assert not lock.exists()


def test_saves_only_after_changes_and_on_shutdown(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    server = MockServer(MockConfig(state_file=path, save_interval=0.05, seed=1))
    state_file = server.state_file
    assert state_file is not None and not state_file.restored
    with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=10) as client:
        assert client.post("/v3/workspaces", json={"id": "w"}).status_code == 201
        # the saver's first round may write the empty state before the request lands: wait for the file to hold it
        wait_for(lambda: path.exists() and [w["id"] for w in read_state(path)["workspaces"]] == ["w"])
        rounds = state_file.ticks
        wait_for(lambda: state_file.ticks >= rounds + 2)  # the round that wrote it has counted its save
        saves = state_file.saves
        for _ in range(20):  # reads, including POST lists and rejected writes, change nothing: no rewrite
            assert client.get("/v3/workspaces/w/sessions/s/peers").status_code == 200
            assert client.post("/v3/workspaces/list", json={}).status_code == 200
            assert client.post("/v3/workspaces", json={"id": "bad id!"}).status_code == 422
        rounds = state_file.ticks
        wait_for(lambda: state_file.ticks >= rounds + 2)  # a whole saver round after the last request
        assert state_file.saves == saves, "an unchanged state is not rewritten"
        assert client.post("/v3/workspaces/w/peers", json={"id": "alice"}).status_code == 201
        wait_for(lambda: state_file.saves > saves)
        rounds = state_file.ticks
        wait_for(lambda: state_file.ticks >= rounds + 2)
        assert state_file.saves == saves + 1
        assert client.post("/v3/workspaces/w/peers", json={"id": "bob"}).status_code == 201
        expected = client.get("/_mock/state").json()
    assert read_state(path) == expected, "the shutdown saved the last write"
    reopened = MockServer(MockConfig(state_file=path, seed=1))
    try:
        assert dump_state(reopened.store) == expected
    finally:
        reopened.state_file.close()  # type: ignore[union-attr]


def test_a_restarted_seeded_mock_makes_new_ids_and_later_times(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    made: list[dict[str, Any]] = []
    for _ in range(2):
        server = MockServer(MockConfig(state_file=path, seed=42))
        with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=10) as client:
            batch = [{"peer_id": "alice", "content": f"m{i}"} for i in range(5)]
            answer = client.post(MESSAGES.format(w="w", s="s"), json={"messages": batch})
            assert answer.status_code == 201
            made.extend(answer.json())
            listed = client.post(MESSAGES.format(w="w", s="s") + "/list", json={}).json()
    assert [m["id"] for m in listed["items"]] == [m["id"] for m in made]
    assert len({m["id"] for m in made}) == 10
    assert made[5]["created_at"] > made[4]["created_at"]


def test_fixtures_seed_a_new_state_file_only(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    fixtures = {"workspaces": [{"id": "demo", "peers": [{"id": "alice"}]}]}
    first = MockServer(MockConfig(state_file=path, fixtures=fixtures))
    with loopback_server(first.app) as url:
        assert httpx.put(url + "/v3/workspaces/demo/peers/bob", json={}).status_code == 200
    second = MockServer(MockConfig(state_file=path, fixtures=fixtures))
    try:
        assert second.state_file is not None and second.state_file.restored
        assert [p.record["id"] for p in second.store.workspaces["demo"].peers.values()] == ["alice", "bob"]
    finally:
        second.state_file.close()  # type: ignore[union-attr]


def test_atomic_write_replaces_whole_and_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state_file = StateFile(path)
    state_file.write(b'{"format": "honcho-mock-state/1", "workspaces": []}\n')
    os.chmod(path, 0o640)
    state_file.write(b'{"format": "honcho-mock-state/1", "workspaces": [{"id": "w"}]}\n')
    assert read_state(path)["workspaces"] == [{"id": "w"}]
    assert path.stat().st_mode & 0o777 == 0o640
    assert not temporaries(path)


def test_a_saved_state_reloads_identically_even_after_peer_removal(tmp_path: Path) -> None:
    server = MockServer(MockConfig(seed=3))
    store = server.store
    store.create_messages("w", "s", [{"peer_id": "bob", "content": "hi"}])
    store.remove_session_peers("w", "s", ["bob"])
    path = tmp_path / "state.json"
    StateFile(path).write(StateFile(path).snapshot(store))
    reopened = MockServer(MockConfig(state_file=path, seed=3))
    try:
        assert dump_state(reopened.store) == dump_state(store)
    finally:
        reopened.state_file.close()  # type: ignore[union-attr]


def test_an_unwritable_place_is_refused_at_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--state-file", str(tmp_path / "missing" / "state.json"), "--port", "1"]) == 2
    assert "does not exist" in capsys.readouterr().err
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "ro"
        locked.mkdir()
        locked.chmod(0o500)
        assert cli_main(["--state-file", str(locked / "state.json"), "--port", "1"]) == 2
        assert "cannot write" in capsys.readouterr().err
