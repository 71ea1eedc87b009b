"""The package as users install it: a wheel built from the checkout, installed with its dependencies (from
the package index, at the versions requirements.txt pins) into a fresh venv that borrows nothing, and run
from a directory that is not the checkout. The wheel must carry openapi.yaml, `honcho-mock` must serve the
Honcho contract by default, the pytest plugin must be found by entry point and run an app's test with
warnings as errors, and the mock must come without the tester, whose extra brings it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from support import ROOT, free_port
from support.dependencies import PROJECT, closure, declared

SOURCES = ("pyproject.toml", "README.md", "openapi.yaml", "mockserver", "conformance", "honcho_contracts")
INSTALL_TIMEOUT = 900  # seconds: a cold pip cache downloads about 40 distributions
pytestmark = pytest.mark.timeout(2 * INSTALL_TIMEOUT)  # the installs are part of the first test using each venv


def _outside_environment() -> dict[str, str]:
    """The environment without anything that would make the checkout importable."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "HONCHO_MOCK_AUTH_SECRET", "AUTH_JWT_SECRET", "HONCHO_MOCK_ADMIN_TOKEN")
    return {**{k: v for k, v in os.environ.items() if k not in drop},
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (the checkout gets no build/ or egg-info)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(origin, source / name)
    dist = base / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(source)], check=True, timeout=300, env=_outside_environment(),
                   stdout=subprocess.DEVNULL)
    built = next(dist.glob("honcho_contract-*.whl"))
    with zipfile.ZipFile(built) as archive:
        assert {"honcho_contracts/3.0.12/openapi.yaml", "honcho_contracts/3.0.7/overlay.yaml"} <= set(archive.namelist())
    return built


def fresh_venv(where: Path, *requirements: str) -> Path:
    """A venv without system site-packages holding `requirements` and what they depend on, installed by pip
    from the index at the pinned versions (`-c requirements.txt`), uncompiled so that the first import
    compiles the sources under the test's warning filters. Returns its bin directory."""
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / "bin" / "python"
    result = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                             "--no-compile", "-c", str(ROOT / "requirements.txt"), *requirements],
                            capture_output=True, text=True, timeout=INSTALL_TIMEOUT, env=_outside_environment())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return where / "bin"


def installed_distributions(bin_dir: Path) -> set[str]:
    listing = subprocess.run([str(bin_dir / "python"), "-c", "import importlib.metadata as m; "
                              "print('\\n'.join(d.metadata['Name'] for d in m.distributions()))"],
                             capture_output=True, text=True, check=True, env=_outside_environment(),
                             cwd=tempfile.gettempdir()).stdout
    return {canonicalize_name(name) for name in listing.split()}


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An app's test venv: the plain wheel (the mock and its fixture) and pytest, the app's own test runner.
    Yields the venv's bin directory."""
    yield fresh_venv(tmp_path_factory.mktemp("venv-mock") / "venv", str(wheel), "pytest")


@pytest.fixture(scope="module")
def installed_tester(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The wheel with its `conformance` extra in another fresh venv."""
    yield fresh_venv(tmp_path_factory.mktemp("venv-tester") / "venv", f"{wheel}[conformance]")


def test_the_venv_holds_the_mock_dependencies_and_nothing_else(installed: Path) -> None:
    """Exactly what `dependencies` declares is installed (no tester, no proxy validator), and nothing of the
    running venv is visible: no .pth file points anywhere, no system site-packages."""
    assert installed_distributions(installed) == closure(declared("") + [Requirement("pytest")]) | {PROJECT}
    pyvenv = (installed.parent / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in pyvenv
    site = next((installed.parent / "lib").glob("python*/site-packages"))
    assert not [p.name for p in site.glob("*.pth") if not p.name.startswith(("distutils-precedence", "_virtualenv"))]


def test_the_wheel_carries_the_contract_byte_for_byte(installed: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c",
                            "import honcho_contracts; print(honcho_contracts.default().contract_path)"],
                           capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
                           env=_outside_environment()).stdout.strip()
    assert Path(where).is_relative_to(installed.parent) and not Path(where).is_symlink()
    assert Path(where).read_bytes() == (ROOT / "openapi.yaml").read_bytes()


@contextmanager
def running_mock(bin_dir: Path, cwd: Path) -> Iterator[str]:
    """The venv's `honcho-mock` on a free loopback port, started in `cwd`; yields its URL, stops it after."""
    port = free_port()
    log = cwd / "honcho-mock.out"
    with log.open("wb") as out:
        process = subprocess.Popen([str(bin_dir / "honcho-mock"), "--port", str(port)], cwd=cwd,
                                   stdout=out, stderr=subprocess.STDOUT, env=_outside_environment(),
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while "serving" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "honcho-mock did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_installed_honcho_mock_serves_the_contract_from_any_directory(installed: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    version = subprocess.run([str(installed / "honcho-mock"), "--version"], cwd=empty, capture_output=True,
                             text=True, timeout=120, env=_outside_environment())
    assert (version.returncode, version.stdout.strip()) == (0, "honcho-mock 0.1.0"), version.stderr
    with running_mock(installed, empty) as url:
        spec = httpx.get(url + "/openapi.json", timeout=10).json()
        assert spec["info"]["version"] == "3.0.12" and spec == yaml.safe_load((ROOT / "openapi.yaml").read_text())
        assert httpx.post(url + "/v3/workspaces", json={"id": "from-a-wheel"}, timeout=10).status_code == 201
        docs = httpx.get(url + "/docs", timeout=10)
        assert docs.status_code == 200 and "swagger-ui" in docs.text
        assert httpx.get(url + "/docs/assets/swagger-ui-bundle.js", timeout=10).status_code == 200
    assert sorted(p.name for p in empty.iterdir()) == ["honcho-mock.out"]  # it wrote nothing else where it ran


def test_the_pytest_plugin_runs_an_apps_test_with_warnings_as_errors(installed: Path, tmp_path: Path) -> None:
    """As an app's suite uses it: no configuration, `-W error` from the interpreter's start (the package's
    modules are compiled at their first import here, so an invalid escape in them would fail the run)."""
    (tmp_path / "test_app.py").write_text(
        "import httpx\n\n"
        "def test_app_talks_to_honcho(honcho_mock):\n"
        "    assert httpx.post(honcho_mock.url + '/v3/workspaces', json={'id': 'app'}).status_code == 201\n"
        "    assert httpx.get(honcho_mock.url + '/_mock/state').json()['workspaces'][0]['id'] == 'app'\n\n"
        "import pytest\n\n"
        "@pytest.mark.honcho_mock(api_version='3.0.7')\n"
        "def test_an_older_honcho(honcho_mock):\n"
        "    assert httpx.get(honcho_mock.url + '/openapi.json').json()['info']['version'] == '3.0.7'\n"
        "    assert httpx.get(honcho_mock.url + '/health').headers['x-honcho-api-version'] == '3.0.7'\n")
    result = subprocess.run([str(installed / "python"), "-W", "error", "-m", "pytest", "-q", "-W", "error",
                             "-p", "no:cacheprovider", "test_app.py"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, env=_outside_environment())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "2 passed" in result.stdout and "warning" not in result.stdout.lower(), result.stdout[-3000:]


def test_without_their_extras_the_tester_and_the_proxy_say_what_to_install(installed: Path, tmp_path: Path) -> None:
    tester = subprocess.run([str(installed / "honcho-conformance"), "--version"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env=_outside_environment())
    assert tester.returncode == 2 and tester.stdout == ""
    assert tester.stderr.count("\n") == 1 and "pip install 'honcho-contract[conformance]'" in tester.stderr
    proxy = subprocess.run([str(installed / "honcho-mock"), "--proxy", "http://127.0.0.1:9", "--port", "0"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120, env=_outside_environment())
    assert proxy.returncode == 2 and proxy.stderr.count("\n") == 1, proxy.stderr
    assert "pip install 'honcho-contract[proxy]'" in proxy.stderr


def test_the_conformance_extra_brings_a_working_tester(installed_tester: Path, tmp_path: Path) -> None:
    """`honcho-conformance` from the extra: its version, then a short run against the venv's own mock."""
    assert installed_distributions(installed_tester) == closure(declared("") + declared("conformance")) | {PROJECT}
    version = subprocess.run([str(installed_tester / "honcho-conformance"), "--version"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120, env=_outside_environment())
    assert version.returncode == 0 and version.stdout.strip() == "honcho-conformance 0.1.0", version.stderr
    spec = subprocess.run([str(installed_tester / "python"), "-c", "from conformance.core.config import default_spec; "
                           "print(default_spec())"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=_outside_environment())
    assert spec.returncode == 0 and "honcho_contracts" in spec.stdout and Path(spec.stdout.strip()).is_file()
    with running_mock(installed_tester, tmp_path) as url:
        run = subprocess.run([str(installed_tester / "honcho-conformance"), "run", "--base-url", url,
                              "--profile", "quick", "--phases", "semantics", "--seed", "1", "--no-progress"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=600, env=_outside_environment())
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
