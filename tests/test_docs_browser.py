"""The docs pages in a real browser: Debian's chromium, headless, driven by Playwright.

A 200 is not proof that a page renders: these tests wait for what a person sees (the
operations listed by Swagger UI and by ReDoc) and use "Try it out" as a person would,
then look in the mock's store for what the browser created. The browser and the driver
are installed by the Makefile (`make browser`, part of `make test`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from support import DATA, loopback_server

from mockserver import MockServer, create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TIMEOUT_MS = 60_000  # a loaded 2-core machine; every wait below ends as soon as its condition holds

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is installed by requirements.txt")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by `make browser`")
sync_api.expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator["sync_api.Browser"]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-background-networking"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: "sync_api.Browser") -> Iterator["sync_api.Page"]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # a request going nowhere fails; one the page's policy keeps in (ReDoc's CDN logo) is not made at all
    page.on("requestfailed", lambda request: None if request.failure in ("csp", "net::ERR_BLOCKED_BY_CSP")
            else problems.append(f"{request.url}: {request.failure}"))
    try:
        yield page
        assert problems == [], problems  # no script error, no request going nowhere (offline assets)
    finally:
        context.close()


def _expected_blocks(server: MockServer) -> int:
    """Swagger UI shows an operation once under each of its tags."""
    return sum(max(1, len(op.definition.get("tags") or [])) for op in server.contract.operations.values())


def _swagger_operation_ids(page: "sync_api.Page") -> list[str]:
    page.wait_for_selector(".opblock")
    return page.eval_on_selector_all(".opblock", "blocks => blocks.map(block => block.id)")


def test_root_leads_to_swagger_ui_listing_every_operation(page: "sync_api.Page") -> None:
    server = create_app()
    with loopback_server(server.app) as url:
        page.goto(url + "/")
        assert page.url == url + "/docs"
        ids = _swagger_operation_ids(page)
        assert len(ids) == _expected_blocks(server)
        for operation_id in server.contract.operations:
            assert any(block.endswith("-" + operation_id) for block in ids), operation_id
        assert "OAS 3.1" in page.inner_text(".info")
        assert page.query_selector(".errors-wrapper") is None  # "Unable to render this definition" lives there


def test_try_it_out_creates_a_workspace_in_the_mock(page: "sync_api.Page") -> None:
    server = create_app()
    with loopback_server(server.app) as url:
        page.goto(url + "/ui/")
        _swagger_operation_ids(page)
        block = page.locator("#operations-workspaces-get_or_create_workspace_v3_workspaces_post")
        block.locator(".opblock-summary").click()
        block.get_by_role("button", name="Try it out").click()
        block.locator("textarea.body-param__text").fill(json.dumps({"id": "from-the-browser", "metadata": {"by": "ui"}}))
        block.get_by_role("button", name="Execute").click()
        status = block.locator(".live-responses-table tbody .response-col_status").first
        sync_api.expect(status).to_have_text("201")
        assert "from-the-browser" in block.locator(".live-responses-table tbody .microlight").first.inner_text()
        workspace = server.store.workspace("from-the-browser")
        assert workspace is not None and workspace.record["metadata"] == {"by": "ui"}


def test_redoc_lists_every_operation(page: "sync_api.Page") -> None:
    server = create_app()
    with loopback_server(server.app) as url:
        page.goto(url + "/redoc")
        page.wait_for_selector("[data-section-id^='operation/']")
        sections = set(page.eval_on_selector_all("[data-section-id^='operation/']",
                                                 "nodes => nodes.map(node => node.getAttribute('data-section-id'))"))
        assert {f"operation/{operation_id}" for operation_id in server.contract.operations} <= sections


def test_another_spec_under_a_base_path_renders_and_tries_out(page: "sync_api.Page", tmp_path: Path) -> None:
    document = yaml.safe_load((DATA / "petstore-3.1.yaml").read_text())
    document["servers"] = [{"url": "https://pets.example.com/api/v1"}]
    spec = tmp_path / "pets.yaml"
    spec.write_text(yaml.safe_dump(document))
    server = create_app(spec)
    with loopback_server(server.app) as url:
        page.goto(url + "/docs")
        ids = _swagger_operation_ids(page)
        assert len(ids) == _expected_blocks(server)
        get_block = page.locator(f"[id='{next(block for block in ids if block.endswith('-listPets'))}']")
        get_block.locator(".opblock-summary").click()
        get_block.get_by_role("button", name="Try it out").click()
        get_block.get_by_role("button", name="Execute").click()
        sync_api.expect(get_block.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
        assert "/api/v1/pets" in get_block.locator(".request-url").first.inner_text()
