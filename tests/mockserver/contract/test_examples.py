"""Any OpenAPI 3.0/3.1 document: operations without a stateful handler answer from the document's
examples, else a generated schema-valid body, and requests are still validated. The small spec
served here is tests/data/petstore-3.x.yaml; every answer is checked against it with openapi-core."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from starlette.testclient import TestClient
from support import DATA, SPEC
from support.mock_process import MockProcess

from mockserver import create_app
from mockserver.contract.document import Contract
from mockserver.contract.examples import ExampleResponder
from mockserver.contract.validation import ContractValidator

VERSIONS = ["3.0", "3.1"]


def spec_path(version: str) -> Path:
    return DATA / f"petstore-{version}.yaml"


def checked_against(spec: Path, client: httpx.Client) -> httpx.Client:
    """Every answer (but routing's 404) validated against `spec`."""
    openapi = OpenAPI.from_file_path(str(spec))

    def check(response: httpx.Response) -> None:
        response.read()
        if response.status_code == 404 and response.json() == {"detail": "Not Found"}:
            return
        request = response.request
        openapi.validate_response(
            MockRequest("http://localhost", request.method, request.url.path, args=dict(request.url.params),
                        data=request.content or None, content_type=request.headers.get("content-type", "application/json")),
            MockResponse(response.content, response.status_code, dict(response.headers),
                         response.headers.get("content-type", "application/json").split(";")[0]))

    client.event_hooks = {"request": [], "response": [check]}
    return client


@pytest.fixture(params=VERSIONS)
def pets(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    server = create_app(spec_path(request.param))
    with TestClient(server.app, base_url="http://testserver") as client:
        yield checked_against(spec_path(request.param), client)


def test_answers_come_from_examples(pets: httpx.Client) -> None:
    assert pets.get("/pets").json() == [{"id": 1, "name": "Tom", "kind": "cat", "tag": None, "code": "TOM-0001"},
                                        {"id": 2, "name": "Rex", "kind": "dog", "tag": "good", "code": "REX-0002"}]
    assert pets.get("/pets/7").json() == {"id": 7, "name": "Kit", "kind": "cat", "code": "KIT-0007"}
    status = pets.get("/status")
    assert (status.text, status.headers["content-type"].split(";")[0]) == ("all good", "text/plain")
    assert pets.delete("/pets/7").status_code == 204  # no operationId: still served


def test_without_an_example_a_schema_valid_body_is_generated(pets: httpx.Client) -> None:
    created = pets.post("/pets", json={"name": "Kit", "tag": None})
    assert created.status_code == 201
    body = created.json()
    assert body["code"] == "AAA-0000" and body["kind"] == "cat" and body["id"] >= 1  # pattern, enum, bound
    assert pets.post("/pets", json={"name": "Other"}).json() == body  # deterministic


@pytest.mark.parametrize(("method", "url", "body", "loc", "kind"), [
    ("GET", "/pets?limit=abc", None, ["query", "limit"], "int_parsing"),
    ("GET", "/pets?limit=1000", None, ["query", "limit"], "less_than_equal"),
    ("GET", "/pets?kind=bird", None, ["query", "kind"], "literal_error"),  # an inline enum is a Literal to pydantic
    ("GET", "/pets/abc", None, ["path", "pet-id"], "int_parsing"),
    ("GET", "/pets/0", None, ["path", "pet-id"], "greater_than"),
    ("POST", "/pets", {"tag": "x"}, ["body", "name"], "missing"),
    ("POST", "/pets", {"name": "x", "owner": "me"}, ["body", "owner"], "extra_forbidden"),
    ("POST", "/pets", {"name": "x", "tag": 5}, ["body", "tag"], "string_type"),
    ("POST", "/pets", {"name": ""}, ["body", "name"], "string_too_short"),
])
def test_requests_are_still_validated(method: str, url: str, body: object, loc: list[str], kind: str) -> None:
    for version in VERSIONS:
        with TestClient(create_app(spec_path(version)).app) as client:
            response = client.request(method, url, json=body)
            assert response.status_code == 422, (version, response.text)
            assert {(tuple(e["loc"]), e["type"]) for e in response.json()["detail"]} == {(tuple(loc), kind)}, version


def test_honcho_routes_and_state_stay_out_of_another_spec(pets: httpx.Client) -> None:
    assert pets.post("/v3/workspaces", json={"id": "w"}).status_code == 404
    assert pets.post("/pets", json={"name": "Kit"}).status_code == 201
    with TestClient(create_app(spec_path("3.0")).app) as raw:
        assert raw.get("/_mock/state").json()["workspaces"] == []
        assert raw.get("/openapi.json").json()["openapi"] == "3.0.3"  # served as written
        assert raw.get("/ui/").status_code == 200


def test_faults_answer_the_declared_responses(pets: httpx.Client) -> None:
    taken = pets.post("/pets", json={"name": "Kit"}, headers={"X-Mock-Status": "409"})
    assert (taken.status_code, taken.json()) == (409, {"code": 409, "message": "name taken"})  # the example
    missing = pets.get("/pets/7", headers={"X-Mock-Status": "404"})
    assert (missing.status_code, missing.json()) == (404, {"code": 0, "message": "string"})  # generated: no `detail` here


def test_the_command_line_serves_another_spec() -> None:
    with MockProcess("--spec", str(spec_path("3.1"))) as mock:
        deadline = time.monotonic() + 20
        while True:  # no /health in this spec: wait for the served document instead
            try:
                if httpx.get(f"{mock.url}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and mock.popen.poll() is None, mock.output()
            time.sleep(0.05)
        assert "(5 operations, OpenAPI 3.1.0)" in mock.output()[0]
        assert httpx.get(f"{mock.url}/pets/7").json()["name"] == "Kit"
        assert httpx.get(f"{mock.url}/pets/x").status_code == 422


def test_every_response_of_openapi_yaml_can_be_generated_valid() -> None:
    contract = Contract.load(SPEC).validation_view()
    validators = ContractValidator(contract)
    responder = ExampleResponder(contract, validators)
    checked = 0
    for operation in contract.operations.values():
        for key, response in operation.responses.items():
            status = int(key) if key.isdigit() else 200
            reply = responder.reply(operation, status)
            media = (contract.resolve(response).get("content") or {}).get("application/json")
            if media is not None and reply.stream is None:
                assert validators.schema_validator(media.get("schema", {})).is_valid(reply.body), (operation.operation_id, key)
                checked += 1
    assert checked > 150
