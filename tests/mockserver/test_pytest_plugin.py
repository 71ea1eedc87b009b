"""The pytest plugin as an app's test suite uses it: a separate pytest run over a small project
of its own, whose tests talk to `honcho_mock` over HTTP (httpx and the official SDK).
(That installing the package registers the plugin is tested on the wheel, test_packaging.py.)"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

AUTH_ENVIRONMENT = ("HONCHO_MOCK_AUTH_SECRET", "AUTH_JWT_SECRET", "HONCHO_MOCK_ADMIN_TOKEN", "HONCHO_API_KEY", "HONCHO_URL")


def _plugin_args() -> list[str]:
    """`-p mockserver.pytest_plugin`, unless this environment's install already registers it."""
    registered = any(ep.value == "mockserver.pytest_plugin" for ep in importlib.metadata.entry_points(group="pytest11"))
    return [] if registered else ["-p", "mockserver.pytest_plugin"]


def run_suite(project: Path, files: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    for name, text in files.items():
        (project / name).write_text(textwrap.dedent(text))
    env = {k: v for k, v in os.environ.items() if k not in AUTH_ENVIRONMENT}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "-p", "no:xdist", *_plugin_args(), *args], cwd=project, capture_output=True, text=True,
                          timeout=300, env=env)


def test_every_test_gets_a_fresh_mock_seeded_and_loaded_as_its_marker_says(tmp_path: Path) -> None:
    (tmp_path / "honcho.yaml").write_text("workspaces:\n  - id: from-a-file\n    peers: [{id: alice}]\n")
    result = run_suite(tmp_path, {"test_app.py": """
        import json, httpx, pytest

        def test_writes(honcho_mock):
            assert httpx.post(f"{honcho_mock}/v3/workspaces", json={"id": "left-behind"}).status_code == 201

        def test_starts_empty(honcho_mock):
            assert httpx.post(honcho_mock.url + "/v3/workspaces/list", json={}).json()["total"] == 0

        @pytest.mark.honcho_mock(fixtures={"workspaces": [{"id": "demo", "sessions": [{"id": "s1"}]}]})
        def test_fixtures_from_a_dict(honcho_mock):
            page = httpx.post(honcho_mock.url + "/v3/workspaces/demo/sessions/list", json={}).json()
            assert [s["id"] for s in page["items"]] == ["s1"]

        @pytest.mark.honcho_mock(fixtures="honcho.yaml")
        def test_fixtures_from_a_file(honcho_mock):
            assert [w["id"] for w in honcho_mock.state()["workspaces"]] == ["from-a-file"]

        def _first_message_id(mock):
            answer = httpx.post(mock.url + "/v3/workspaces/w/sessions/s/messages",
                                json={"messages": [{"peer_id": "alice", "content": "hi"}]})
            assert answer.status_code == 201, answer.text
            return answer.json()[0]["id"], answer.json()[0]["created_at"]

        @pytest.mark.honcho_mock(seed=3)
        def test_seeded_one(honcho_mock, record_property):
            record_property("made", _first_message_id(honcho_mock))

        @pytest.mark.honcho_mock(seed=3)
        def test_seeded_two(honcho_mock, record_property):
            record_property("made", _first_message_id(honcho_mock))

        def test_unseeded(honcho_mock, record_property):
            record_property("made", _first_message_id(honcho_mock))

        def test_the_official_sdk(honcho_mock):
            from honcho import Honcho
            honcho = Honcho(base_url=honcho_mock.url, workspace_id="my-app", api_key="any")
            session = honcho.session("chat-1")
            session.add_messages([honcho.peer("alice").message("hello")])
            assert [m.content for m in session.messages()] == ["hello"]
            assert honcho_mock.store.workspace("my-app") is not None
    """}, "--junitxml", str(tmp_path / "report.xml"), "-o", "junit_family=xunit1")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "8 passed" in result.stdout
    report = (tmp_path / "report.xml").read_text()
    made = {name: value for name, value in _properties(report)}
    assert made["test_seeded_one"] == made["test_seeded_two"]  # same seed: same server-made id and time
    assert made["test_unseeded"] != made["test_seeded_one"]


def _properties(report: str) -> list[tuple[str, str]]:
    """(test name, recorded `made` value) pairs of a junit report."""
    import xml.etree.ElementTree as ElementTree

    found = []
    for case in ElementTree.fromstring(report).iter("testcase"):
        for prop in case.iter("property"):
            found.append((case.get("name", ""), prop.get("value", "")))
    return found


def test_session_scope_ini_options_and_mock_options(tmp_path: Path) -> None:
    (tmp_path / "seed.json").write_text(json.dumps({"workspaces": [{"id": "from-ini"}]}))
    result = run_suite(tmp_path, {
        "pytest.ini": """
            [pytest]
            honcho_mock_fixtures = seed.json
        """,
        "conftest.py": """
            import pytest

            @pytest.fixture(scope="session")
            def honcho_mock_options():
                return {"auth_secret": "test-secret"}
        """,
        "test_session.py": """
            import httpx

            def test_first_leaves_a_workspace(honcho_mock_session):
                key = honcho_mock_session.server.auth.admin_jwt()
                answer = httpx.post(honcho_mock_session.url + "/v3/workspaces", json={"id": "kept"},
                                    headers={"Authorization": f"Bearer {key}"})
                assert answer.status_code == 201

            def test_second_sees_it(honcho_mock_session):
                assert [w["id"] for w in honcho_mock_session.state()["workspaces"]] == ["from-ini", "kept"]

            def test_options_switch_auth_on(honcho_mock):
                assert httpx.post(honcho_mock.url + "/v3/workspaces", json={"id": "x"}).status_code == 401
                assert [w["id"] for w in honcho_mock.state()["workspaces"]] == ["from-ini"]
        """})
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "3 passed" in result.stdout


def test_a_marker_with_a_typo_is_a_usage_error(tmp_path: Path) -> None:
    result = run_suite(tmp_path, {"test_typo.py": """
        import pytest

        @pytest.mark.honcho_mock(sede=1)
        def test_it(honcho_mock):
            pass
    """})
    assert result.returncode != 0 and "unknown option(s) sede" in result.stdout + result.stderr
