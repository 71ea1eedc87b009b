"""The outside tools a benchmark run needs, installed when missing.

- wrk: Debian's package, `apt-get install -y wrk` (needs root, which this project's
  machines give; the run says so before doing it).
- Stoplight Prism: `@stoplight/prism-cli`, pinned in bench/package.json and
  bench/package-lock.json, installed into bench/node_modules (git-ignored) with npm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PRISM_PACKAGE = "@stoplight/prism-cli"
PRISM_BIN = BENCH / "node_modules" / ".bin" / "prism"
# npm without telemetry or install scripts (prism-cli pulls in @scarf/scarf, whose
# postinstall script only reports the download).
NPM_ENV = {"SCARF_ANALYTICS": "false", "DO_NOT_TRACK": "1", "npm_config_fund": "false",
           "npm_config_audit": "false", "npm_config_update_notifier": "false"}


class ToolError(RuntimeError):
    pass


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    print(f"  $ {' '.join(argv)}", flush=True)
    return subprocess.run(argv, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def _apt_install(package: str) -> None:
    if os.geteuid() != 0:
        raise ToolError(f"{package} is missing and this is not root: install it with `sudo apt-get install -y {package}`")
    print(f"{package} is missing: installing Debian's package with apt-get (running as root, uid 0)", flush=True)
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    result = _run(["apt-get", "install", "-y", "-q", package], env)
    if result.returncode != 0:  # a fresh machine may have no package lists yet
        _run(["apt-get", "update", "-q"], env)
        result = _run(["apt-get", "install", "-y", "-q", package], env)
    if result.returncode != 0:
        raise ToolError(f"apt-get install {package} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        _apt_install("wrk")
        path = shutil.which("wrk")
        if path is None:
            raise ToolError("wrk is still not on PATH after apt-get install")
    return path


def wrk_version(path: str) -> str:
    result = subprocess.run([path, "--version"], capture_output=True, text=True)
    first = (result.stdout or result.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk (unknown version)"


def pinned_prism_version() -> str:
    manifest = json.loads((BENCH / "package.json").read_text())
    return manifest["dependencies"][PRISM_PACKAGE]


def installed_prism_version() -> str | None:
    manifest = BENCH / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    if not PRISM_BIN.exists() or not manifest.exists():
        return None
    return json.loads(manifest.read_text()).get("version")


def ensure_prism() -> tuple[Path, str]:
    """bench/node_modules/.bin/prism at the version pinned in bench/package.json."""
    pinned = pinned_prism_version()
    installed = installed_prism_version()
    if installed == pinned:
        return PRISM_BIN, installed
    if shutil.which("npm") is None:
        if shutil.which("node") is None:
            _apt_install("nodejs")
        _apt_install("npm")
    print(f"Prism {pinned} is {'at ' + installed if installed else 'missing'}: installing it into bench/node_modules with npm",
          flush=True)
    # `npm ci` installs exactly what package-lock.json records; `npm install` of the pin is the fallback.
    result = _run(["npm", "ci", "--prefix", str(BENCH), "--ignore-scripts", "--no-audit", "--no-fund"], NPM_ENV)
    if result.returncode != 0:
        result = _run(["npm", "install", "--prefix", str(BENCH), "--ignore-scripts", "--no-audit", "--no-fund",
                       "--save-exact", f"{PRISM_PACKAGE}@{pinned}"], NPM_ENV)
    installed = installed_prism_version()
    if result.returncode != 0 or installed != pinned:
        raise ToolError(f"npm could not install {PRISM_PACKAGE}@{pinned}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return PRISM_BIN, installed
