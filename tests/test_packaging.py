"""The package as users install it: a wheel built from the checkout, installed into a fresh venv,
run from a directory that is not the checkout. The wheel must carry openapi.yaml, `honcho-mock`
must serve the Honcho contract by default, and the pytest plugin must be found by entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
import zipfile
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import yaml
from support import ROOT, free_port

SOURCES = ("pyproject.toml", "README.md", "openapi.yaml", "mockserver", "conformance", "honcho_contracts")


def _outside_environment() -> dict[str, str]:
    """The environment without anything that would make the checkout importable."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "HONCHO_MOCK_AUTH_SECRET", "AUTH_JWT_SECRET", "HONCHO_MOCK_ADMIN_TOKEN")
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv holding only the wheel (its dependencies are the running venv's, by a .pth
    line: no registry is needed, and a .pth line does not bring in the running venv's own
    editable install of this project). Yields the venv's bin directory."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    source.mkdir()
    for name in SOURCES:  # built from a copy: the checkout gets no build/ or egg-info
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
    wheel = next(dist.glob("honcho_contract-*.whl"))
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    str(wheel)], check=True, timeout=300, env=_outside_environment(), stdout=subprocess.DEVNULL)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True, env=_outside_environment()).stdout.strip()
    (Path(site) / "_running_venv_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "honcho_contracts/3.0.12/openapi.yaml" in names and "honcho_contracts/3.0.7/overlay.yaml" in names
    yield env_dir / "bin"


def test_the_wheel_carries_the_contract_byte_for_byte(installed: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c",
                            "import honcho_contracts; print(honcho_contracts.default().contract_path)"],
                           capture_output=True, text=True, check=True, cwd=tempfile.gettempdir(),
                           env=_outside_environment()).stdout.strip()
    assert Path(where).is_relative_to(installed.parent) and not Path(where).is_symlink()
    assert Path(where).read_bytes() == (ROOT / "openapi.yaml").read_bytes()


def test_installed_honcho_mock_serves_the_contract_from_any_directory(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "out.txt"
    with log.open("wb") as out:
        process = subprocess.Popen([str(installed / "honcho-mock"), "--port", str(port)], cwd=tmp_path,
                                   stdout=out, stderr=subprocess.STDOUT, env=_outside_environment(),
                                   start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while "serving" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "honcho-mock did not start"
            time.sleep(0.05)
        spec = httpx.get(url + "/openapi.json", timeout=10).json()
        assert spec["info"]["version"] == "3.0.12" and spec == yaml.safe_load((ROOT / "openapi.yaml").read_text())
        assert httpx.post(url + "/v3/workspaces", json={"id": "from-a-wheel"}, timeout=10).status_code == 201
        docs = httpx.get(url + "/docs", timeout=10)
        assert docs.status_code == 200 and "swagger-ui" in docs.text
        assert httpx.get(url + "/docs/assets/swagger-ui-bundle.js", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_pytest_plugin_is_found_by_entry_point(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "test_app.py").write_text(
        "import httpx\n\n"
        "def test_app_talks_to_honcho(honcho_mock):\n"
        "    assert httpx.post(honcho_mock.url + '/v3/workspaces', json={'id': 'app'}).status_code == 201\n"
        "    assert httpx.get(honcho_mock.url + '/_mock/state').json()['workspaces'][0]['id'] == 'app'\n\n"
        "import pytest\n\n"
        "@pytest.mark.honcho_mock(api_version='3.0.7')\n"
        "def test_an_older_honcho(honcho_mock):\n"
        "    assert httpx.get(honcho_mock.url + '/openapi.json').json()['info']['version'] == '3.0.7'\n"
        "    assert httpx.get(honcho_mock.url + '/health').headers['x-honcho-api-version'] == '3.0.7'\n\n"
        "def test_the_tester_reads_the_contracts_too():\n"
        "    from conformance.core.config import default_spec\n"
        "    assert default_spec().is_file() and 'honcho_contracts' in str(default_spec())\n")
    result = subprocess.run([str(installed / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, env=_outside_environment())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "3 passed" in result.stdout
