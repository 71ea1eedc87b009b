"""Auth as the real server does it: off by default; when on, Bearer JWTs (PyJWT, HS256) scoped by
workspace, peer and session, issued by `POST /v3/keys`, refused (401) when missing, wrong, expired
or outside their scope. Every answer is checked against openapi.yaml."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta, timezone
from typing import Iterator

import httpx
import jwt
import pytest
from honcho import Honcho
from honcho.http.exceptions import AuthenticationError
from starlette.testclient import TestClient
from support import checked, loopback_server

from mockserver import MockServer, create_app
from mockserver.cli import auth_options
from mockserver.honcho.keys import AuthError, Claims, authorize

SECRET = "a-test-secret-long-enough-for-pyjwt-to-stay-quiet-even-with-hs512"
NO_TOKEN = {"detail": "No access token provided"}
INVALID = {"detail": "Invalid JWT"}
EXPIRED = {"detail": "JWT expired"}
DENIED = {"detail": "JWT not permissioned for this resource"}
ADMIN_ONLY = {"detail": "Resource requires admin privileges"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign(claims: dict, secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture(scope="module")
def server() -> MockServer:
    return create_app(seed=5, auth_secret=SECRET)


@pytest.fixture(scope="module")
def api(server: MockServer) -> Iterator[httpx.Client]:
    with TestClient(server.app, base_url="http://testserver") as client:
        yield checked(client)


@pytest.fixture(scope="module")
def admin(server: MockServer) -> dict[str, str]:
    assert server.auth is not None
    return bearer(server.auth.admin_jwt())


def issue(api: httpx.Client, admin: dict[str, str], **scope: str) -> dict[str, str]:
    """A key from `POST /v3/keys`, as Authorization headers."""
    response = api.post("/v3/keys", params=scope, headers=admin)
    assert response.status_code == 200, response.text
    return bearer(response.json()["key"])


def test_auth_is_off_by_default() -> None:
    with TestClient(create_app().app) as client:
        assert checked(client).post("/v3/workspaces", json={"id": "open"}).status_code == 201
        assert client.post("/v3/keys", params={"workspace_id": "open"}).json() == {"detail": "Feature is disabled"}


def test_health_and_the_documents_need_no_token(server: MockServer, api: httpx.Client) -> None:
    assert api.get("/health").json() == {"status": "ok"}
    with TestClient(server.app) as outside_the_contract:
        for path in ("/openapi.json", "/ui/"):
            assert outside_the_contract.get(path).status_code == 200, path


def test_the_mock_routes_need_the_admin_key(server: MockServer) -> None:
    """Anyone could otherwise dump, reset or fill the state of an auth-on mock."""
    assert server.auth is not None
    scoped = server.auth.sign({"t": "", "w": "w"})
    with TestClient(server.app) as client:
        client.post("/v3/workspaces", json={"id": "keep"}, headers={"Authorization": f"Bearer {server.auth.admin_jwt()}"})
        for method, path in (("GET", "/_mock/state"), ("POST", "/_mock/reset"), ("POST", "/_mock/fixtures")):
            assert client.request(method, path).json() == {"detail": "No access token provided"}
            assert client.request(method, path, headers={"Authorization": f"Bearer {scoped}"}).status_code == 401
            assert client.request(method, path, headers={"Authorization": "Bearer forged"}).json() == {"detail": "Invalid JWT"}
        assert "keep" in server.store.workspaces  # nothing was reset
        admin = {"Authorization": f"Bearer {server.auth.admin_jwt()}"}
        assert client.get("/_mock/state", headers=admin).status_code == 200


def test_fault_headers_act_only_after_auth(server: MockServer) -> None:
    with TestClient(server.app) as client:
        forced = client.get("/v3/workspaces/w/webhooks", headers={"X-Mock-Status": "503"})
        assert forced.status_code == 401 and "x-mock-fault" not in forced.headers
        started = time.monotonic()
        delayed = client.get("/v3/workspaces/w/webhooks", headers={"X-Mock-Delay": "3000"})
        assert delayed.status_code == 401 and time.monotonic() - started < 3.0  # refused at once, not after the delay
        assert server.auth is not None
        admin = {"Authorization": f"Bearer {server.auth.admin_jwt()}", "X-Mock-Status": "503"}
        assert client.get("/v3/workspaces/w/webhooks", headers=admin).status_code == 503


@pytest.mark.parametrize("header", [None, "Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "Token abc"])
def test_no_token(api: httpx.Client, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = api.post("/v3/workspaces", json={"id": "w"}, headers=headers)
    assert (response.status_code, response.json()) == (401, NO_TOKEN)


@pytest.mark.parametrize("token", [
    "not-a-jwt",
    sign({"ad": True}, secret="another-secret-long-enough-for-pyjwt-to-stay-quiet-with-hs512"),
    jwt.encode({"ad": True}, SECRET, algorithm="HS512"),  # Honcho accepts HS256 only
    jwt.encode({"ad": True}, None, algorithm="none"),
    sign({"w": "w", "exp": "not a time"}),
])
def test_wrong_token(api: httpx.Client, token: str) -> None:
    response = api.post("/v3/workspaces/w/peers/list", headers=bearer(token))
    assert (response.status_code, response.json()) == (401, INVALID)


def test_auth_comes_before_request_validation(api: httpx.Client) -> None:
    response = api.post("/v3/workspaces", json={"id": "bad id!"})
    assert (response.status_code, response.json()) == (401, NO_TOKEN)


def test_admin_keys_may_do_everything(api: httpx.Client, admin: dict[str, str]) -> None:
    made_with_pyjwt = bearer(sign({"t": "", "ad": True}))
    for headers in (admin, made_with_pyjwt):
        assert api.post("/v3/workspaces", json={"id": "adm"}, headers=headers).status_code in (200, 201)
        assert api.post("/v3/workspaces/list", headers=headers).status_code == 200
        assert api.post("/v3/workspaces/adm/sessions/s/messages", headers=headers,
                        json={"messages": [{"peer_id": "p", "content": "hi"}]}).status_code == 201


def test_a_literal_admin_token() -> None:
    server = create_app(admin_token="let-me-in")
    assert server.auth is not None and len(server.auth.secret) >= 32  # a random secret signs the keys
    with TestClient(server.app) as client:
        client = checked(client)
        assert client.post("/v3/workspaces", json={"id": "w"}, headers=bearer("let-me-in")).status_code == 201
        assert client.post("/v3/workspaces", json={"id": "w"}, headers=bearer("let-me-out")).json() == INVALID
        key = client.post("/v3/keys", params={"workspace_id": "w"}, headers=bearer("let-me-in")).json()["key"]
        assert client.post("/v3/workspaces/w/peers/list", headers=bearer(key)).status_code == 200


def test_keys_are_issued_by_admins_only(api: httpx.Client, admin: dict[str, str]) -> None:
    response = api.post("/v3/keys", params={"workspace_id": "k", "peer_id": "alice", "session_id": "chat",
                                            "expires_at": "2999-01-01T00:00:00+02:00"}, headers=admin)
    assert response.status_code == 200
    claims = jwt.decode(response.json()["key"], SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims.keys() == {"t", "exp", "w", "p", "s"}  # Honcho's claim names
    assert (claims["w"], claims["p"], claims["s"], claims["exp"]) == ("k", "alice", "chat", "2998-12-31T22:00:00Z")

    workspace_key = issue(api, admin, workspace_id="k")
    for headers, expected in ((workspace_key, ADMIN_ONLY), ({}, NO_TOKEN)):
        response = api.post("/v3/keys", params={"workspace_id": "k"}, headers=headers)
        assert (response.status_code, response.json()) == (401, expected)
    unscoped = api.post("/v3/keys", params={"workspace_id": "", "expires_at": "2999-01-01T00:00:00Z"}, headers=admin)
    assert (unscoped.status_code, unscoped.json()) == (
        422, {"detail": "At least one of workspace_id, peer_id, or session_id must be provided"})
    bad_time = api.post("/v3/keys", params={"workspace_id": "k", "expires_at": "tomorrow"}, headers=admin)
    assert bad_time.status_code == 422 and bad_time.json()["detail"][0]["loc"] == ["query", "expires_at"]


def test_an_expired_key_is_refused(api: httpx.Client, admin: dict[str, str]) -> None:
    now = datetime.now(timezone.utc)
    past, future = (now - timedelta(minutes=1)).isoformat(), (now + timedelta(hours=1)).isoformat()
    expired = issue(api, admin, workspace_id="exp", expires_at=past)
    alive = issue(api, admin, workspace_id="exp", expires_at=future)
    for headers, status in ((expired, 401), (alive, 200), (bearer(sign({"w": "exp", "exp": int(now.timestamp()) - 60})), 401),
                            (bearer(sign({"w": "exp", "exp": int(now.timestamp()) + 3600})), 200)):
        response = api.post("/v3/workspaces/exp/peers/list", headers=headers)
        assert response.status_code == status
        if status == 401:
            assert response.json() == EXPIRED


def test_a_workspace_key_acts_in_its_workspace_only(api: httpx.Client, admin: dict[str, str]) -> None:
    key = issue(api, admin, workspace_id="acme")
    assert api.post("/v3/workspaces", json={"id": "acme"}, headers=key).status_code == 201
    assert api.post("/v3/workspaces/acme/peers", json={"id": "alice"}, headers=key).status_code == 201
    assert api.post("/v3/workspaces/acme/sessions/chat/messages", headers=key,
                    json={"messages": [{"peer_id": "alice", "content": "hello"}]}).status_code == 201
    assert api.post("/v3/workspaces/acme/sessions/chat/messages/list", headers=key).json()["total"] == 1
    for method, path, body in (("POST", "/v3/workspaces", {"id": "globex"}),  # the create names it in the body
                               ("POST", "/v3/workspaces/globex/peers", {"id": "alice"}),
                               ("POST", "/v3/workspaces/globex/sessions/chat/messages/list", None),
                               ("PUT", "/v3/workspaces/globex", {"metadata": {}})):
        response = api.request(method, path, json=body, headers=key)
        assert (response.status_code, response.json()) == (401, DENIED), path
    response = api.post("/v3/workspaces/list", headers=key)
    assert (response.status_code, response.json()) == (401, ADMIN_ONLY)


def test_a_peer_key_acts_on_its_peer_only(api: httpx.Client, admin: dict[str, str]) -> None:
    alice = issue(api, admin, workspace_id="pk", peer_id="alice")
    assert api.post("/v3/workspaces/pk/peers", json={"id": "alice"}, headers=alice).status_code == 201
    assert api.put("/v3/workspaces/pk/peers/alice", json={"metadata": {"a": 1}}, headers=alice).status_code == 200
    assert api.post("/v3/workspaces/pk/peers/alice/sessions", headers=alice).status_code == 200
    for method, path, body in (("POST", "/v3/workspaces/pk/peers", {"id": "bob"}),
                               ("PUT", "/v3/workspaces/pk/peers/bob", {"metadata": {}}),
                               ("POST", "/v3/workspaces/pk/peers/list", None),
                               ("POST", "/v3/workspaces/pk/sessions/chat/messages/list", None),
                               ("POST", "/v3/workspaces/other/peers/alice/sessions", None)):
        response = api.request(method, path, json=body, headers=alice)
        assert (response.status_code, response.json()) == (401, DENIED), path
    without_workspace = issue(api, admin, peer_id="alice")  # names no workspace: acts nowhere
    response = api.put("/v3/workspaces/pk/peers/alice", json={"metadata": {}}, headers=without_workspace)
    assert (response.status_code, response.json()) == (401, DENIED)


def test_a_session_key_acts_on_its_session_only(api: httpx.Client, admin: dict[str, str]) -> None:
    chat = issue(api, admin, workspace_id="sk", session_id="chat")
    assert api.post("/v3/workspaces/sk/sessions", json={"id": "chat"}, headers=chat).status_code == 201
    assert api.post("/v3/workspaces/sk/sessions/chat/messages", headers=chat,
                    json={"messages": [{"peer_id": "alice", "content": "hi"}]}).status_code == 201
    assert api.get("/v3/workspaces/sk/sessions/chat/peers/alice/config", headers=chat).status_code == 200
    for method, path, body in (("POST", "/v3/workspaces/sk/sessions", {"id": "other"}),
                               ("POST", "/v3/workspaces/sk/sessions/other/messages/list", None),
                               ("POST", "/v3/workspaces/sk/peers/list", None),
                               ("PUT", "/v3/workspaces/sk/peers/alice", {"metadata": {}}),
                               ("POST", "/v3/workspaces/elsewhere/sessions/chat/messages/list", None)):
        response = api.request(method, path, json=body, headers=chat)
        assert (response.status_code, response.json()) == (401, DENIED), path


def test_refused_requests_change_nothing(api: httpx.Client, admin: dict[str, str]) -> None:
    key = issue(api, admin, workspace_id="nochange")
    api.post("/v3/workspaces", json={"id": "intruded"}, headers=key)
    listed = api.post("/v3/workspaces/list", headers=admin).json()["items"]
    assert "intruded" not in [w["id"] for w in listed]


def test_authorize_follows_the_narrowest_claim() -> None:
    workspace, peer, session = Claims(w="w"), Claims(w="w", p="alice"), Claims(w="w", s="chat")
    authorize(workspace, workspace="w", peer="bob")
    authorize(peer, workspace="w", session="chat", peer="alice")
    authorize(session, workspace="w", session="chat", peer="bob")
    authorize(Claims(), admin=False)  # a route naming nothing lets any valid key through (it checks itself)
    for claims, names in ((peer, {"workspace": "w"}), (session, {"workspace": "w", "peer": "alice"}),
                          (Claims(p="alice"), {"workspace": "w", "peer": "alice"}), (Claims(), {"workspace": "w"})):
        with pytest.raises(AuthError):
            authorize(claims, **names)


def test_over_loopback(server: MockServer, admin: dict[str, str]) -> None:
    with loopback_server(server.app) as url, checked(httpx.Client(base_url=url, timeout=10)) as client:
        assert client.post("/v3/workspaces/loop/peers/list").json() == NO_TOKEN
        key = client.post("/v3/keys", params={"workspace_id": "loop"}, headers=admin).json()["key"]
        assert client.post("/v3/workspaces/loop/peers", json={"id": "a"}, headers=bearer(key)).status_code == 201
        assert client.post("/v3/workspaces/else/peers", json={"id": "a"}, headers=bearer(key)).json() == DENIED


def test_the_python_sdk_with_a_jwt_as_api_key(server: MockServer, admin: dict[str, str]) -> None:
    with loopback_server(server.app) as url:
        key = httpx.post(f"{url}/v3/keys", params={"workspace_id": "sdk-auth"}, headers=admin).json()["key"]
        honcho = Honcho(base_url=url, workspace_id="sdk-auth", api_key=key, max_retries=0, timeout=10)
        alice = honcho.peer("alice", metadata={"role": "user"})
        session = honcho.session("chat", metadata={})
        session.add_messages([alice.message("hello with a key")])
        assert [m.content for m in session.messages()] == ["hello with a key"]
        wrong = Honcho(base_url=url, workspace_id="someone-else", api_key=key, max_retries=0, timeout=10)
        with pytest.raises(AuthenticationError):
            wrong.session("chat", metadata={})
        with pytest.raises(AuthenticationError):
            Honcho(base_url=url, workspace_id="sdk-auth", api_key="not-a-jwt", max_retries=0, timeout=10).peer("x", metadata={})


def test_the_command_line_reads_flags_then_the_environment() -> None:
    def options(env: dict[str, str], **flags: object) -> dict:
        args = argparse.Namespace(**{"no_auth": False, "auth_secret": None, "admin_token": None, **flags})
        return auth_options(args, env)

    assert options({}) == {"auth_secret": None, "admin_token": None}
    assert options({"AUTH_JWT_SECRET": "honcho"})["auth_secret"] == "honcho"
    assert options({"AUTH_JWT_SECRET": "honcho", "HONCHO_MOCK_AUTH_SECRET": "mock"})["auth_secret"] == "mock"
    assert options({"HONCHO_MOCK_AUTH_SECRET": "mock"}, auth_secret="flag")["auth_secret"] == "flag"
    assert options({"HONCHO_MOCK_ADMIN_TOKEN": "t"})["admin_token"] == "t"
    assert options({"AUTH_JWT_SECRET": "honcho"}, no_auth=True) == {}


def test_a_create_named_by_its_field_name_is_authorized_by_that_name(server: MockServer) -> None:
    assert server.auth is not None
    peer_key = {"Authorization": f"Bearer {server.auth.sign({'t': '', 'w': 'w', 'p': 'alice'})}"}
    with TestClient(server.app) as client:
        assert client.post("/v3/workspaces/w/peers", json={"name": "alice"}, headers=peer_key).status_code == 201
        assert client.post("/v3/workspaces/w/peers", json={"name": "bob"}, headers=peer_key).status_code == 401
        assert client.post("/v3/workspaces/w/peers", json={"name": "bob", "id": "alice"}, headers=peer_key).status_code == 200
