"""`--html-report`: a real run's page, self-contained, opened in a real browser (Debian's
chromium driven by Playwright), with coverage, failures by root cause and phases."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from support import loopback_server
from support.broken import pages_math

from conformance.cli.main import main
from conformance.core.vocabulary import Failure, PhaseReport, RunResult
from conformance.reporting.html import render_html

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--headless"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A small run against a mock with a bug (its `pages` is floored: a semantic failure with a
    curl), with coverage gates it cannot meet."""
    out = tmp_path_factory.mktemp("html")
    with loopback_server(pages_math()) as url:
        code = main(["run", "--base-url", url, "--profile", "quick", "--seed", "5", "--max-examples", "1",
                     "--phases", "contract,stateful,semantics", "--include-operation", "sessions",
                     "--max-requests", "3000", "--min-coverage", "statuses=100", "--min-coverage", "operations=10",
                     "--min-coverage", "links=100",
                     "--json-report", str(out / "r.json"), "--html-report", str(out / "r.html"), "--no-progress"])
    report = json.loads((out / "r.json").read_text())
    assert code == 1 and report["exit_code"] == 1
    assert any(g["check"] == "semantics:pages_partition" and g["curl"] for g in report["summary"])
    return out / "r.html", report


def test_the_page_needs_nothing_from_outside(run: tuple[Path, dict[str, Any]]) -> None:
    page = run[0].read_text()
    assert "<script" not in page.lower()
    references = re.findall(r'\b(?:src|href)\s*=\s*["\']([^"\']*)', page, flags=re.I)
    references += re.findall(r"url\(([^)]*)\)", page)
    references += re.findall(r"@import", page)
    assert references == []


def test_the_coverage_gate_is_a_failure_in_the_reports(run: tuple[Path, dict[str, Any]]) -> None:
    _, report = run
    gates = [g for g in report["summary"] if g["check"] == "coverage"]
    assert sorted(g["title"] for g in gates) == ["links coverage below 100%", "statuses coverage below 100%"], (
        "operations=10 is met, statuses=100 and links=100 are not")
    summary = report["coverage"]["summary"]
    assert summary["operations"]["percent"] >= 10 and summary["statuses"]["percent"] < 100
    assert summary["links"]["declared"] > 0 and summary["body_properties"]["covered"] > 0
    # (whether a one-example stateful phase follows a link at all varies with the machine's load:
    # that links are heard is tests/conformance/test_coverage.py's business)


def test_text_from_the_server_is_escaped() -> None:
    result = RunResult(base_url="http://x.test", seed=1, prefix="cf", profile="quick", read_only=False)
    result.phases.append(PhaseReport(name="semantics", status="failed", duration=1.0, requests=3, failures=1))
    result.failures.append(Failure(check="c", operation="GET /<b>", title="<script>alert(1)</script>",
                                   message="<img src=x onerror=alert(1)>", phase="semantics", curl="curl '<x>'"))
    page = render_html(result)
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True, timeout=60000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.mark.timeout(180)
def test_the_page_renders_in_a_browser(run: tuple[Path, dict[str, Any]], browser: Any) -> None:
    path, report = run
    context = browser.new_context(offline=True)
    page = context.new_page()
    requested: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=30000)
        assert requested == [path.as_uri()] and errors == []
        assert page.locator("#verdict").inner_text() == "FAILED"
        assert page.locator("#api-version").inner_text().startswith("Honcho API 3.0.12 (detected: ")

        # The coverage picture: a cell per (operation, status) the report has, green where seen.
        coverage = report["coverage"]
        cells = sum(1 for op in coverage["operations"] for s in op["statuses"] if s != "default")
        grid = page.locator("#status-grid")
        assert page.locator("#status-grid rect.cell").count() == cells
        assert page.locator("#status-grid rect.cell.seen").count() == coverage["summary"]["statuses"]["covered"]
        box = grid.bounding_box()
        assert box is not None and box["width"] > 500 and box["height"] > 20 * len(coverage["operations"])
        seen = page.locator("#status-grid rect.cell.seen").first
        assert seen.evaluate("e => getComputedStyle(e).fill") == "rgb(46, 158, 79)"
        assert page.locator("#coverage tr[data-kind]").count() == 6

        # Failures by root cause, each opening onto its reproduction.
        causes = page.locator("details.root-cause")
        assert causes.count() == len(report["summary"]) > 1
        with_curl = page.locator("details.root-cause:has(pre.curl)").first
        curls = with_curl.locator("pre.curl")
        assert not curls.first.is_visible()
        with_curl.locator("summary").click()
        assert curls.first.is_visible() and curls.first.inner_text().startswith("curl")
        group = next(g for g in report["summary"] if len(g["operations"]) > 1)  # each operation its own curl
        shown = [c.inner_text() for c in page.locator(f"details.root-cause:has-text('{group['title']}') pre.curl").all()]
        assert all(entry["curl"] in shown for entry in group["operations"])

        # The phases, as rows and as bars on a timeline.
        assert [r.get_attribute("data-phase") for r in page.locator("tr.phase").all()] == [
            p["name"] for p in report["phases"]]
        for bar in page.locator("#timeline rect.phase-bar").all():
            bar_box = bar.bounding_box()
            assert bar_box is not None and bar_box["width"] >= 2
    finally:
        context.close()


@pytest.mark.timeout(120)
def test_the_mock_coverage_page_renders_in_a_browser(tmp_path: Path, browser: Any) -> None:
    """`mock-coverage --html-report`: a frontend's run against the mock, as a picture."""
    import httpx

    from mockserver import create_app

    server = create_app(seed=6)
    with loopback_server(server.app) as url:
        httpx.post(f"{url}/v3/workspaces", json={"id": "w"}, timeout=10)
        httpx.post(f"{url}/v3/workspaces", json={"id": "bad id"}, timeout=10)
        assert main(["mock-coverage", "--base-url", url, "--html-report", str(tmp_path / "m.html"),
                     "--json", str(tmp_path / "m.json")]) == 0
    report = json.loads((tmp_path / "m.json").read_text())
    context = browser.new_context(offline=True)
    page = context.new_page()
    try:
        page.goto((tmp_path / "m.html").as_uri(), wait_until="load", timeout=30000)
        seen = page.locator("#status-grid rect.cell.seen")
        assert seen.count() == report["summary"]["statuses"]["covered"] == 2  # 201 and 422
        assert {c.get_attribute("data-status") for c in seen.all()} == {"201", "422"}
        assert page.locator("#never-called li").count() == len(report["never_called"]) > 40
        assert page.locator("#status-grid").bounding_box()["width"] > 500  # type: ignore[index]
    finally:
        context.close()
