"""A pytest plugin for the tests of Python apps that call Honcho: a real mock on a loopback port.

Installing honcho-contract registers it (the `pytest11` entry point in pyproject.toml), as
pytest-httpserver does:

    def test_my_app_remembers(honcho_mock):
        app = MyApp(honcho_url=honcho_mock.url)          # a fresh, empty mock for this test
        app.chat("alice", "hello")
        assert honcho_mock.state()["workspaces"][0]["id"] == "my-app"

    @pytest.mark.honcho_mock(seed=1, fixtures="tests/honcho.yaml")   # or a dict
    def test_with_data(honcho_mock): ...

    @pytest.mark.honcho_mock(api_version="3.0.7")                     # the Honcho version served
    def test_on_the_older_server(honcho_mock): ...

- `honcho_mock`: the state is fresh for every test (one server per Honcho version for the
  session, reset before each test: a reset costs microseconds, a start-up a second); seed,
  fixtures and API version from the test's `honcho_mock` marker, else from the ini options
  `honcho_mock_seed`, `honcho_mock_fixtures` and `honcho_mock_api_version` (default: the
  fixtures' `api_version`, else the newest released Honcho the mock serves).
- `honcho_mock_session`: one mock whose state lasts the whole session (ini options apply).
- `honcho_mock_options`: override it (session scope) to start the mocks with other
  `MockConfig` options, e.g. `{"auth_secret": "s"}`, `{"api_version": "3.0.7"}` or `{"spec": "other.yaml"}`.

The mock answers over real HTTP on 127.0.0.1 (any free port), so any client works: the
official SDKs, httpx, requests, or a subprocess. This module imports the mock only when a
fixture is first used, so it costs nothing to a test run that does not use it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

import pytest

# mockserver/__init__.py's DEPENDENCY_WARNINGS, restated: the plugin is loaded by entry point before the app's
# own paths are set, when `mockserver` may not yet name this package as a whole
DEPENDENCY_WARNINGS = r"connexion(\.|$)"

if TYPE_CHECKING:
    from mockserver.app import MockServer

START_TIMEOUT = 60.0  # seconds: a loaded CI machine; the wait ends as soon as the server answers


class HonchoMock:
    """A running mock: its base URL (also its `str()`), and its state, to arrange and inspect."""

    def __init__(self, server: "MockServer", url: str, loop: asyncio.AbstractEventLoop) -> None:
        self.server = server
        self.url = url
        self._loop = loop

    @property
    def api_version(self) -> str:
        """The Honcho version the mock serves ("3.0.12")."""
        return self.server.version.name

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"<HonchoMock {self.url}>"

    @property
    def store(self) -> Any:
        """The mock's store (mockserver.state.store.Store): read it, but change state through the API."""
        return self.server.store

    def reset(self, seed: int | None = None) -> None:
        """Forget all state; ids and timestamps restart from `seed` (None: not reproducible)."""
        def forget() -> None:
            self.server.config.seed = seed
            self.server.reset()
        self._on_loop(forget)

    def load(self, fixtures: Mapping[str, Any] | str | Path) -> dict[str, int]:
        """Load a fixture document (a dict, or a JSON/YAML file) on top of the state; returns the counts."""
        from mockserver.state.fixtures import check_fixtures, load_fixtures

        document = _read_document(fixtures)

        def put() -> dict[str, int]:
            check_fixtures(self.server.store, document)
            return load_fixtures(self.server.store, document, api_version=self.api_version)
        return self._on_loop(put)

    def state(self) -> dict[str, Any]:
        """The whole state as a fixture document (what `GET /_mock/state` answers)."""
        from mockserver.state.fixtures import dump_state

        return self._on_loop(lambda: dump_state(self.server.store))

    def _on_loop(self, work: Callable[[], Any]) -> Any:
        """Run `work` on the server's event loop, between two requests, and return its result."""
        async def run() -> Any:
            return work()
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(START_TIMEOUT)


class _ServedMock:
    """A MockServer served by uvicorn in a thread on 127.0.0.1 (a free port); `stop()` ends it."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        with warnings.catch_warnings():  # imported within a test, under the app's warning filters
            warnings.filterwarnings("ignore", module=DEPENDENCY_WARNINGS)
            from mockserver.app import MockConfig, MockServer
            from mockserver.http.serving import ReadyServer, bind

        self.server = MockServer(MockConfig(**{"request_log": None, **options}))
        self._sock = bind("127.0.0.1", 0)
        ready: concurrent.futures.Future[asyncio.AbstractEventLoop] = concurrent.futures.Future()
        self._uvicorn = ReadyServer.over(self.server.app, self._sock, "error",
                                         on_ready=lambda: ready.set_result(asyncio.get_running_loop()))
        self._thread = threading.Thread(target=self._uvicorn.run, kwargs={"sockets": [self._sock]},
                                        name="honcho-mock", daemon=True)
        self._thread.start()
        try:
            loop = ready.result(START_TIMEOUT)
        except concurrent.futures.TimeoutError:
            self.stop()
            raise RuntimeError("honcho-mock did not start") from None
        self.mock = HonchoMock(self.server, f"http://127.0.0.1:{self._sock.getsockname()[1]}", loop)

    def stop(self) -> None:
        self._uvicorn.should_exit = True
        self._thread.join(START_TIMEOUT)
        self._sock.close()
        self.server.close()


def _read_document(fixtures: Mapping[str, Any] | str | Path) -> Any:
    if isinstance(fixtures, (str, Path)):
        from mockserver.state.fixtures import read_fixtures

        return read_fixtures(Path(fixtures))
    return fixtures


def _ini_setup(config: pytest.Config) -> tuple[int | None, Any]:
    """The seed and the fixtures (a path relative to the rootdir) of the ini options."""
    seed_text = str(config.getini("honcho_mock_seed") or "").strip()
    fixtures_text = str(config.getini("honcho_mock_fixtures") or "").strip()
    fixtures = (Path(config.rootpath) / fixtures_text) if fixtures_text else None
    return (int(seed_text) if seed_text else None), fixtures


def _api_version(config: pytest.Config, options: Mapping[str, Any], fixtures: Any, asked: str | None = None) -> str | None:
    """The Honcho version to serve: asked by a marker, else the ini option, else the options'
    `api_version`, else the fixture document's own; None leaves the mock's default."""
    chosen = asked or str(config.getini("honcho_mock_api_version") or "").strip() or options.get("api_version")
    if chosen:
        return str(chosen)
    if fixtures is not None:
        made_for = _read_document(fixtures).get("api_version") if isinstance(fixtures, (str, Path, Mapping)) else None
        return made_for if isinstance(made_for, str) else None
    return None


class _Mocks:
    """The session's mocks, one per Honcho version asked for, each started when first needed."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = options
        self.served: dict[str | None, _ServedMock] = {}

    def mock(self, api_version: str | None) -> HonchoMock:
        if api_version not in self.served:
            options = dict(self.options)
            if api_version is not None:
                options["api_version"] = api_version
            self.served[api_version] = _ServedMock(options)
        return self.served[api_version].mock

    def stop(self) -> None:
        for served in self.served.values():
            served.stop()


def _prepare(mock: HonchoMock, seed: int | None, fixtures: Any) -> HonchoMock:
    mock.reset(seed)
    if fixtures is not None:
        mock.load(fixtures)
    return mock


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("honcho_mock_seed", "honcho_mock: seed for reproducible ids and timestamps (default: none)", default="")
    parser.addini("honcho_mock_fixtures", "honcho_mock: a JSON or YAML fixture document loaded into every fresh mock "
                  "(path relative to the rootdir)", default="")
    parser.addini("honcho_mock_api_version", "honcho_mock: the Honcho version the mocks serve, e.g. 3.0.7 "
                  "(default: the fixtures' api_version, else the newest released)", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "honcho_mock(seed=None, fixtures=None, api_version=None): the state the "
                            "honcho_mock fixture starts this test with (fixtures: a dict, or a JSON/YAML file) and the "
                            "Honcho version it serves")


@pytest.fixture(scope="session")
def honcho_mock_options() -> dict[str, Any]:
    """MockConfig options for the mocks of this session (override to change them)."""
    return {}


@pytest.fixture(scope="session")
def _honcho_mocks(honcho_mock_options: dict[str, Any]) -> Iterator[_Mocks]:
    mocks = _Mocks(honcho_mock_options)
    try:
        yield mocks
    finally:
        mocks.stop()


@pytest.fixture
def honcho_mock(request: pytest.FixtureRequest, _honcho_mocks: _Mocks) -> HonchoMock:
    """A mock with a fresh state for this test, seeded, loaded and of the Honcho version its marker
    (or the ini) says."""
    seed, fixtures = _ini_setup(request.config)
    asked = None
    marker = request.node.get_closest_marker("honcho_mock")
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.honcho_mock takes keywords only: seed=..., fixtures=..., api_version=...")
        unknown = set(marker.kwargs) - {"seed", "fixtures", "api_version"}
        if unknown:
            raise pytest.UsageError(f"@pytest.mark.honcho_mock: unknown option(s) {', '.join(sorted(unknown))}")
        seed = marker.kwargs.get("seed", seed)
        fixtures = marker.kwargs.get("fixtures", fixtures)
        asked = marker.kwargs.get("api_version")
    if isinstance(fixtures, str) and not Path(fixtures).is_absolute():
        fixtures = Path(request.config.rootpath) / fixtures
    version = _api_version(request.config, _honcho_mocks.options, fixtures, asked)
    return _prepare(_honcho_mocks.mock(version), seed, fixtures)


@pytest.fixture(scope="session")
def honcho_mock_session(request: pytest.FixtureRequest, honcho_mock_options: dict[str, Any]) -> Iterator[HonchoMock]:
    """One mock for the whole session: what a test leaves there, the next one sees."""
    seed, fixtures = _ini_setup(request.config)
    version = _api_version(request.config, honcho_mock_options, fixtures)
    served = _ServedMock({**honcho_mock_options, **({"api_version": version} if version else {})})
    try:
        yield _prepare(served.mock, seed, fixtures)
    finally:
        served.stop()
