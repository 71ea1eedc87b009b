"""64 clients at once against one mock on a loopback port: nothing lost, doubled or reordered.

Every client has its own connection and creates peers, sessions and messages in the same
two workspaces and the same four sessions as everyone else (plus some of its own), while
reading lists. Afterwards the counts are exact, no id is given twice, each session lists
its messages in one order that keeps every client's order and every batch together,
get-or-create created each shared record exactly once, and no answer was a 5xx. Every
answer is checked against openapi.yaml.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import ROOT, check_response, loopback_server

from mockserver import create_app

MAX_OBSERVERS = 10
CLIENTS = 64
BATCHES = 8  # message batches per client
WORKSPACES = ["cc-w0", "cc-w1"]
SHARED_SESSIONS = ["s0", "s1", "s2", "s3"]


class Recorder:
    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    async def call(self, client: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await client.request(method, path, **kwargs)
        self.responses.append(response)
        return response


async def one_client(url: str, number: int, recorder: Recorder, posted: dict[tuple[str, str], list[list[str]]],
                     created: Counter[tuple[str, ...]]) -> None:
    workspace = WORKSPACES[number % len(WORKSPACES)]
    me = f"p{number}"
    observes = number // len(WORKSPACES) < MAX_OBSERVERS  # a session takes at most 10 observers (400 past them)
    # no per-request deadline: on a shared CPU (pytest -n 8) a request may wait long for its turn;
    # the run as a whole is bounded by run_clients and by pytest-timeout
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(None)) as client:
        call = recorder.call
        base = f"/v3/workspaces/{workspace}"
        answer = await call(client, "POST", "/v3/workspaces", json={"id": workspace})
        created["workspace", workspace] += answer.status_code == 201
        for peer in ("shared", me):
            answer = await call(client, "POST", f"{base}/peers", json={"id": peer, "metadata": {"by": number}})
            created["peer", workspace, peer] += answer.status_code == 201
        for session in [*SHARED_SESSIONS, f"own-{number}"]:
            answer = await call(client, "POST", f"{base}/sessions",
                                json={"id": session, "peers": {"shared": {}, me: {"observe_others": observes}}})
            created["session", workspace, session] += answer.status_code == 201
        for batch in range(BATCHES):
            session = SHARED_SESSIONS[(number + batch) % len(SHARED_SESSIONS)] if batch % 4 else f"own-{number}"
            size = 1 + (number + batch) % 3
            messages = [{"peer_id": me, "content": f"c{number} b{batch} m{i}", "metadata": {"client": number, "batch": batch}}
                        for i in range(size)]
            answer = await call(client, "POST", f"{base}/sessions/{session}/messages", json={"messages": messages})
            if answer.status_code == 201:
                posted[workspace, session].append([m["id"] for m in answer.json()])
            if batch % 3 == 0:
                await call(client, "POST", f"{base}/sessions/{session}/messages/list", params={"size": 10, "reverse": "true"},
                           json={})
                await call(client, "POST", f"{base}/peers/list", json={"filters": {"metadata": {"by": number}}})


async def run_clients(url: str) -> tuple[Recorder, dict[tuple[str, str], list[list[str]]], Counter[tuple[str, ...]]]:
    recorder = Recorder()
    posted: dict[tuple[str, str], list[list[str]]] = defaultdict(list)
    created: Counter[tuple[str, ...]] = Counter()
    await asyncio.wait_for(asyncio.gather(*(one_client(url, n, recorder, posted, created) for n in range(CLIENTS))), 280)
    return recorder, posted, created


def list_all(client: httpx.Client, path: str, size: int, reverse: bool = False) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = client.post(path, params={"page": page, "size": size, "reverse": str(reverse).lower()}, json={})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        if page >= body["pages"]:
            return items
        page += 1


def test_64_concurrent_clients_share_workspaces_and_sessions_consistently() -> None:
    server = create_app()
    with loopback_server(server.app, timeout=120) as url:  # start-up waits for the server's `started`, generously
        recorder, posted, created = asyncio.run(run_clients(url))
        statuses = Counter(r.status_code for r in recorder.responses)
        assert all(status < 300 for status in statuses), f"answers: {dict(statuses)}: " + "; ".join(
            f"{r.request.method} {r.request.url.path} -> {r.status_code} {r.text[:200]}" for r in recorder.responses
            if r.status_code >= 300)[:3000]
        for response in recorder.responses:
            check_response(response)

        # get-or-create made every shared record exactly once, however many asked at once
        assert created["workspace", "cc-w0"] + created["workspace", "cc-w1"] == 2
        for workspace in WORKSPACES:
            assert created["peer", workspace, "shared"] == 1
            for session in SHARED_SESSIONS:
                assert created["session", workspace, session] == 1
        per_workspace = CLIENTS // len(WORKSPACES)
        assert server.store.counts() == {
            "workspaces": 2,
            "peers": 2 * (1 + per_workspace),
            "sessions": 2 * (len(SHARED_SESSIONS) + per_workspace),
            "messages": sum(len(batch) for batches in posted.values() for batch in batches),
        }

        every_id = [i for batches in posted.values() for batch in batches for i in batch]
        assert len(every_id) == len(set(every_id)), "no message id was given twice"

        with httpx.Client(base_url=url, timeout=httpx.Timeout(None)) as client:
            for (workspace, session), batches in posted.items():
                path = f"/v3/workspaces/{workspace}/sessions/{session}/messages/list"
                listed = list_all(client, path, size=100)
                ids = [m["id"] for m in listed]
                assert sorted(ids) == sorted(i for batch in batches for i in batch), f"{session}: every message listed once"
                assert [m["id"] for m in list_all(client, path, size=7)] == ids, "pages partition the one order"
                assert [m["id"] for m in list_all(client, path, size=100, reverse=True)] == ids[::-1]
                moments = [datetime.fromisoformat(m["created_at"].replace("Z", "+00:00")) for m in listed]
                assert moments == sorted(moments), "listed in time order"  # by time: a whole-second stamp has no fraction
                position = {message_id: index for index, message_id in enumerate(ids)}
                for batch in batches:  # a batch is listed together, in the order it was sent
                    places = [position[i] for i in batch]
                    assert places == list(range(places[0], places[0] + len(batch))), f"{session}: batch split or reordered"
                    assert len({listed[p]["created_at"] for p in places}) == 1, "a batch shares one created_at"
                by_client: dict[int, list[tuple[int, int]]] = defaultdict(list)
                for index, message in enumerate(listed):
                    by_client[message["metadata"]["client"]].append((message["metadata"]["batch"], index))
                for client_number, seen in by_client.items():
                    assert [b for b, _ in seen] == sorted(b for b, _ in seen), f"client {client_number}'s order kept"
            for workspace in WORKSPACES:
                for session in SHARED_SESSIONS:
                    answer = client.get(f"/v3/workspaces/{workspace}/sessions/{session}/peers", params={"size": 100})
                    peers = {p["id"] for p in answer.json()["items"]}
                    assert peers == {"shared", *(f"p{n}" for n in range(CLIENTS) if WORKSPACES[n % 2] == workspace)}


def _conformance_has_concurrency() -> bool:
    if importlib.util.find_spec("conformance.cli") is None or importlib.util.find_spec("conformance.phases.concurrency") is None:
        return False
    from conformance.core.config import PHASES

    return "concurrency" in PHASES


@pytest.mark.skipif(not _conformance_has_concurrency(), reason="honcho-conformance has no concurrency phase")
def test_the_conformance_testers_concurrency_phase_finds_nothing(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    server = create_app()
    with loopback_server(server.app) as url:
        result = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "run", "--base-url", url, "--phases", "concurrency",
             "--concurrency", str(CLIENTS), "--seed", "1", "--no-progress", "--json-report", str(report)],
            cwd=ROOT, capture_output=True, text=True, timeout=240,
            env={k: v for k, v in os.environ.items() if k != "HONCHO_TOKEN"})  # the mock here has no auth
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    document = json.loads(report.read_text())
    assert document["failures"] == []
    assert [(p["name"], p["status"]) for p in document["phases"]] == [("concurrency", "passed")]
    assert document["requests"] > 0


@pytest.mark.skipif(not _conformance_has_concurrency(), reason="honcho-conformance is not available")
def test_with_auth_on_nothing_answers_without_a_key(tmp_path: Path) -> None:
    """schemathesis' ignored_auth, run by our tester with an admin key, finds no operation
    that reveals or changes data when the key is missing or wrong."""
    report = tmp_path / "report.json"
    server = create_app(auth_secret="ci-secret-of-at-least-32-bytes-long")
    assert server.auth is not None
    with loopback_server(server.app) as url:
        result = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "run", "--base-url", url, "--token", server.auth.admin_jwt(),
             "--phases", "contract", "--profile", "quick", "--seed", "2", "--no-progress", "--json-report", str(report)],
            cwd=ROOT, capture_output=True, text=True, timeout=300)
    document = json.loads(report.read_text())
    ignored = [f for f in document["failures"] if "ignored_auth" in json.dumps(f)]
    assert ignored == [], json.dumps(ignored)[:4000]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
