"""Webhook events reach registered endpoints only on allow-listed hosts."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from support import checked, loopback_server

from mockserver import create_app


class Receiver:
    """A tiny ASGI app that records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.received: list[Any] = []

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.received.append(json.loads(body))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def wait_for(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def register_and_test(mock_url: str, hook_url: str) -> None:
    # by name: Honcho 3.0.12 refuses a webhook URL that names an internal IP address literally
    hook_url = hook_url.replace("//127.0.0.1:", "//localhost:")
    with checked(httpx.Client(base_url=mock_url, timeout=10)) as client:
        client.post("/v3/workspaces", json={"id": "w"})  # a webhook needs its workspace
        assert client.post("/v3/workspaces/w/webhooks", json={"url": hook_url}).status_code == 201
        answer = client.get("/v3/workspaces/w/webhooks/test")
        assert answer.status_code == 200 and answer.json() is None


def test_events_are_delivered_to_allow_listed_hosts() -> None:
    receiver = Receiver()
    server = create_app(webhook_allow=("localhost",))
    with loopback_server(receiver) as hook_url, loopback_server(server.app) as mock_url:
        register_and_test(mock_url, hook_url + "/hook")
        assert wait_for(lambda: receiver.received), "the test event was not delivered"
    event = receiver.received[0]
    assert event["type"] == "test.event" and event["data"] == {"workspace_id": "w"} and event["timestamp"].endswith("Z")
    assert server.delivery is not None and server.delivery.sent[0][1] == 204


def test_nothing_is_delivered_without_an_allow_list_or_to_other_hosts() -> None:
    receiver = Receiver()
    for server in (create_app(), create_app(webhook_allow=("hooks.example.com",))):
        with loopback_server(receiver) as hook_url, loopback_server(server.app) as mock_url:
            register_and_test(mock_url, hook_url + "/hook")
            time.sleep(0.5)
        assert receiver.received == []
        assert [e["type"] for e in server.store.workspaces["w"].events] == ["test.event"]  # still recorded
