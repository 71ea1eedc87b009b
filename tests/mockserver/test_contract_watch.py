"""`--watch` over real HTTP: an edited contract is served at once with the state kept; a broken one keeps
the contract served before and says why in one line. Edits are saved as editors save (a new file renamed
over the old one); every wait is for an observable line, bounded."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import yaml
from support import SPEC, loopback_server, wait_for
from support.mock_process import MockProcess

from mockserver.app import MockConfig, MockServer
from mockserver.contract_watch import ContractWatch


def save(path: Path, text: str) -> None:
    """Write as an editor does: a new file, renamed over the old one."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text)
    os.replace(temporary, path)


def without_health(text: str) -> str:
    document = yaml.safe_load(text)
    del document["paths"]["/health"]
    return yaml.safe_dump(document, sort_keys=False)


def test_an_edited_contract_is_served_with_the_state_kept_and_a_broken_one_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    original = SPEC.read_text()
    spec.write_text(original)
    said: list[str] = []
    server = MockServer(MockConfig(spec=spec, reloadable=True))
    watch = ContractWatch(server, said.append).start()
    try:
        with loopback_server(server.app) as url, httpx.Client(base_url=url, timeout=30) as client:
            assert client.post("/v3/workspaces", json={"id": "kept"}).status_code == 201
            assert client.get("/health").status_code == 200
            save(spec, without_health(original))
            wait_for(lambda: watch.reloads >= 1)
            assert said[-1] == f"--watch: reloaded {spec} (45 operations, OpenAPI 3.1.0)", said
            assert client.get("/health").status_code == 404  # the new contract has no such route
            assert client.get("/openapi.json").json()["paths"].get("/health") is None
            assert [w["id"] for w in client.post("/v3/workspaces/list", json={}).json()["items"]] == ["kept"]
            reloads = watch.reloads
            save(spec, "openapi: 3.1.0\npaths: [unclosed\n")
            wait_for(lambda: watch.reloads > reloads)
            assert said[-1].startswith(f"--watch: {spec} not reloaded, the contract served before stays: not YAML")
            assert "\n" not in said[-1]
            assert client.get("/health").status_code == 404  # still the last good contract
            assert client.post("/v3/workspaces", json={"id": "still-served"}).status_code == 201
            save(spec, original)
            wait_for(lambda: said[-1].startswith("--watch: reloaded"))
            assert client.get("/health").status_code == 200
            assert len(client.post("/v3/workspaces/list", json={}).json()["items"]) == 2
    finally:
        watch.stop()
        server.close()


def test_honcho_mock_watch_says_what_it_reloaded(tmp_path: Path) -> None:
    spec = tmp_path / "contract.yaml"
    spec.write_text(SPEC.read_text())
    with MockProcess("--spec", str(spec), "--watch") as mock:
        wait_for(lambda: "watching" in mock.output()[0])
        save(spec, without_health(SPEC.read_text()))
        wait_for(lambda: "--watch: reloaded" in mock.output()[0])
        assert f"honcho-mock: --watch: reloaded {spec} (45 operations" in mock.output()[0]
        assert httpx.get(mock.url + "/health", timeout=10).status_code == 404
