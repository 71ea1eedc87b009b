"""The docs pages' routes in-process (what they render is test_docs_browser.py's business):
where each page answers, what Swagger UI is given to read, and that a document's own routes win."""

from __future__ import annotations

from pathlib import Path

import yaml
from starlette.testclient import TestClient
from support import DATA

from mockserver import create_app


def test_pages_redirects_and_assets() -> None:
    client = TestClient(create_app().app)
    for path, target in (("/", "/docs"), ("/docs/", "/docs"), ("/ui", "/ui/"), ("/redoc/", "/redoc")):
        answer = client.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (307, target), path
    for path in ("/docs", "/ui/"):
        page = client.get(path)
        assert page.headers["content-type"].startswith("text/html") and "SwaggerUIBundle" in page.text
        assert "/docs/openapi.json" in page.text and "cdn" not in page.text
    redoc = client.get("/redoc")
    assert "redoc.standalone.js" in redoc.text and "fonts.googleapis" not in redoc.text
    assert "img-src 'self'" in redoc.headers["content-security-policy"]
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset.headers["content-type"].startswith("text/javascript")
    for missing in ("/docs/assets/nothing.js", "/docs/assets/..%2Fdocs_ui.py", "/docs/assets/.hidden.js"):
        assert client.get(missing).status_code == 404, missing


def test_swagger_ui_reads_the_contract_with_the_mock_first_among_its_servers() -> None:
    server = create_app()
    client = TestClient(server.app)
    served = client.get("/docs/openapi.json").json()
    contract = client.get("/openapi.json").json()
    assert served["servers"][0] == {"url": "/", "description": "this mock (honcho-mock)"}
    assert served["servers"][1:] == contract["servers"] == server.contract.document["servers"]
    assert {k: v for k, v in served.items() if k != "servers"} == {k: v for k, v in contract.items() if k != "servers"}


def test_under_a_base_path_and_with_auth_on(tmp_path: Path) -> None:
    document = yaml.safe_load((DATA / "petstore-3.0.yaml").read_text())
    document["servers"] = [{"url": "http://pets.example.com/v2/"}]
    spec = tmp_path / "pets.yaml"
    spec.write_text(yaml.safe_dump(document))
    client = TestClient(create_app(spec, auth_secret="s").app)
    assert client.get("/docs/openapi.json").json()["servers"][0]["url"] == "/v2"
    assert client.get("/docs").status_code == 200 and client.get("/redoc").status_code == 200  # open, as /openapi.json


def test_a_document_s_own_routes_win(tmp_path: Path) -> None:
    spec = tmp_path / "own.yaml"
    spec.write_text(yaml.safe_dump({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {
        "/docs": {"get": {"operationId": "theirDocs", "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "object"}, "example": {"theirs": True}}}}}}}}}))
    client = TestClient(create_app(spec).app)
    assert client.get("/docs").json() == {"theirs": True}
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/"  # the page that is still ours
    assert "SwaggerUIBundle" in client.get("/ui/").text
