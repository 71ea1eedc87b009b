"""`honcho-mock`: serve openapi.yaml as a stateful mock on a loopback port."""

from __future__ import annotations

import argparse
import errno
import functools
import gc
import json
import math
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Mapping, NoReturn, Sequence

import yaml
from connexion.exceptions import InvalidSpecification

import honcho_contracts

from mockserver.app import MockConfig, MockServer
from mockserver.contract.document import SpecError, yaml_problem
from mockserver.contract_watch import ContractWatch
from mockserver.errors import ApiError
from mockserver.http.bodies import DEFAULT_MAX_BODY
from mockserver.http.faults import describe as describe_faults
from mockserver.http.request_log import FORMATS as LOG_FORMATS
from mockserver.http.serving import bind, serve
from mockserver.state.fixtures import FixtureError, read_fixtures
from mockserver.state.record_cap import DEFAULT_MAX_RECORDS
from mockserver.state.state_file import DEFAULT_SAVE_INTERVAL, StateFileError


PROXY_INSTALL_HINT = "pip install 'honcho-contract[proxy]'"


def package_version() -> str:
    """The installed package's version (a checkout that was never installed has none to tell)."""
    try:
        return version("honcho-contract")
    except PackageNotFoundError:
        return "(not installed)"


class OneLineParser(argparse.ArgumentParser):
    """A refused command line is one line on stderr and exit status 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _bounded_int(low: int, high: int | None, what: str) -> Callable[[str], int]:
    def read(text: str) -> int:
        try:
            value = int(text.strip(), 10) if text.strip().isascii() else None
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bound = f"{low}..{high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"{what} must be an integer {bound}, not {text!r}")
        return value
    return read


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds above 0, not {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="honcho-mock", description="A stateful mock of the Honcho v3 API, served from its OpenAPI contract.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    served = [v.name for v in honcho_contracts.served_versions()]
    parser.add_argument("--api-version", default=None, choices=served, metavar="VERSION",
                        help=f"the Honcho version to serve, its contract and its behaviour: {' or '.join(served)} "
                             f"(default: the --fixtures document's `api_version`, else {honcho_contracts.DEFAULT_VERSION}; "
                             "docs/versions.md)")
    parser.add_argument("--spec", type=Path, default=None,
                        help="another OpenAPI document to serve instead of that version's contract (its behaviour stays)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=_bounded_int(0, 65535, "a port"), default=8000, help="TCP port (0: any free port)")
    parser.add_argument("--allowed-host", action="append", default=[], metavar="HOST",
                        help="also answer requests whose Host header names HOST (repeatable; default: the bind address and "
                             "loopback names only, against DNS rebinding; '*' allows any)")
    parser.add_argument("--seed", type=_bounded_int(-(2 ** 63), 2 ** 63 - 1, "a seed"), default=None, help="make server-made ids and timestamps reproducible")
    parser.add_argument("--fixtures", type=Path, default=None, help="JSON or YAML fixture document to load at start")
    parser.add_argument("--max-body", type=_bounded_int(1, None, "a size in bytes"), default=DEFAULT_MAX_BODY, help="largest request body accepted, in bytes (413 above)")
    parser.add_argument("--no-cors", action="store_true", help="do not answer CORS requests")
    parser.add_argument("--webhook-allow", action="append", default=[], metavar="HOST",
                        help="deliver webhook events to endpoints on this host (repeatable; default: deliver nowhere)")
    parser.add_argument("--max-records", type=_bounded_int(0, None, "a record count"), default=DEFAULT_MAX_RECORDS,
                        help=f"most records (workspaces, peers, sessions, messages) stored; 507 above (default {DEFAULT_MAX_RECORDS:,}; 0: no cap)")
    parser.add_argument("--state-file", type=Path, default=None,
                        help="load state from this file at start and save it there (atomically) while running and on shutdown")
    parser.add_argument("--save-interval", type=_positive_seconds, default=DEFAULT_SAVE_INTERVAL,
                        help=f"with --state-file: seconds between saves after writes (default {DEFAULT_SAVE_INTERVAL})")
    parser.add_argument("--auth-secret", default=None,
                        help="switch auth on: JWTs are signed/verified with this HS256 secret "
                             "(default: env HONCHO_MOCK_AUTH_SECRET, then AUTH_JWT_SECRET; unset: auth off)")
    parser.add_argument("--admin-token", default=None,
                        help="switch auth on: this literal bearer token acts as admin (default: env HONCHO_MOCK_ADMIN_TOKEN)")
    parser.add_argument("--no-auth", action="store_true", help="auth off even if the environment gives a secret")
    parser.add_argument("--latency", action="append", default=[], metavar="MS[:PATTERN]",
                        help="delay answers by MS (or MIN-MAX) milliseconds, for paths matching the glob PATTERN (repeatable)")
    parser.add_argument("--error-rate", action="append", default=[], metavar="RATE[:STATUS][:PATTERN]",
                        help="answer STATUS (default 500) to a RATE (0..1) share of requests matching PATTERN (repeatable)")
    parser.add_argument("--watch", action="store_true",
                        help="reload the contract (--spec) when its file changes, keeping the state; a file that does "
                             "not load keeps the contract served before")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"],
                        help="uvicorn's own log (its access log from info on)")
    parser.add_argument("--quiet", action="store_true", help="no request log (one line per request, on by default)")
    parser.add_argument("--log-format", default="text", choices=list(LOG_FORMATS),
                        help="request log lines: text for people (default), json for machines (one object per line)")
    drift = parser.add_argument_group("proxy (docs/drift.md)")
    drift.add_argument("--proxy", default=None, metavar="URL",
                       help="forward every request to the deployment at URL, validating each exchange against the contract")
    drift.add_argument("--record", type=Path, default=None, metavar="FILE",
                       help="write the exchanges to FILE as HAR 1.2 (the deployment's with --proxy, else the mock's)")
    drift.add_argument("--shadow", action="store_true",
                       help="with --proxy: also run each request on the mock and report where its answer differs")
    return parser


def fixtures_problem(exc: BaseException) -> str:
    """Why a fixtures file cannot be read, in one line."""
    if isinstance(exc, OSError):
        return f"cannot read it: {exc.strerror or exc}"
    if isinstance(exc, yaml.YAMLError):
        return f"not YAML: {yaml_problem(exc)}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return f"not JSON: {exc}" if isinstance(exc, json.JSONDecodeError) else str(exc)


def describe_counts(counts: Mapping[str, int]) -> str:
    """`{'workspaces': 1, 'peers': 2}` as people write it: "1 workspace, 2 peers"."""
    return ", ".join(f"{n:,} {name if n != 1 else name[:-1]}" for name, n in counts.items())


def http_address(host: str, port: int) -> str:
    """The URL a person can open for host:port (a wildcard address is reached on this machine)."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def auth_options(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, Any]:
    """The auth settings from the flags, else the environment (http/auth.py)."""
    if args.no_auth:
        return {}
    secret = args.auth_secret or environ.get("HONCHO_MOCK_AUTH_SECRET") or environ.get("AUTH_JWT_SECRET") or None
    return {"auth_secret": secret, "admin_token": args.admin_token or environ.get("HONCHO_MOCK_ADMIN_TOKEN") or None}


def settle_garbage_collector() -> None:
    """The store is a large, long-lived heap of acyclic dicts: move what start-up made out of
    the collector's sight and collect the young generation less often, so full collections
    do not stall answers as the store grows (bench/results.md: batch p99)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # a refused value (one line already printed, status 2) or --help
        return exc.code if isinstance(exc.code, int) else 2
    if args.proxy or args.shadow:
        try:
            from mockserver.proxy.command import run_proxy
        except ModuleNotFoundError as exc:  # the proxy's extra is not installed
            print(f"honcho-mock: --proxy needs {exc.name}, which is not installed; install it with: "
                  f"{PROXY_INSTALL_HINT}", file=sys.stderr, flush=True)
            return 2
        return run_proxy(args, auth_options(args, os.environ))
    fail = functools.partial(print, "honcho-mock: cannot start:", file=sys.stderr, flush=True)
    try:
        fixtures = read_fixtures(args.fixtures) if args.fixtures else None
    except (OSError, ValueError, yaml.YAMLError) as exc:
        fail(f"--fixtures {args.fixtures}: {fixtures_problem(exc)}")
        return 2
    made_for = fixtures.get("api_version") if isinstance(fixtures, dict) else None
    args.api_version = args.api_version or (made_for if isinstance(made_for, str) else None) or honcho_contracts.DEFAULT_VERSION
    try:
        server = MockServer(MockConfig(spec=args.spec, api_version=args.api_version, seed=args.seed, fixtures=fixtures,
                                       fixtures_source=f"--fixtures {args.fixtures}",
                                       max_body=args.max_body, cors=not args.no_cors, max_records=args.max_records or None,
                                       state_file=args.state_file, save_interval=args.save_interval,
                                       latency=tuple(args.latency), error_rate=tuple(args.error_rate),
                                       webhook_allow=tuple(args.webhook_allow),
                                       request_log=None if args.quiet else args.log_format,
                                       allowed_hosts=tuple(args.allowed_host), bind_host=args.host,
                                       reloadable=args.watch, **auth_options(args, os.environ)))
    except SpecError as exc:
        fail(f"--spec {args.spec}: {exc}" if args.spec is not None else f"--api-version {args.api_version}: {exc}")
        return 2
    except InvalidSpecification as exc:
        where = "/".join(str(part) for part in exc.absolute_path)
        fail(f"--spec {args.spec}: not a valid OpenAPI document: {exc.message} (at /{where})")
        return 2
    except FixtureError as exc:  # it names the file and the path of the first problem
        fail(" ".join(str(exc).split()))
        return 2
    except ApiError as exc:  # a fixture document past --max-records
        fail(f"--fixtures {args.fixtures}: {' '.join(str(exc).split())}")
        return 2
    except StateFileError as exc:
        fail(f"--state-file: {exc}")
        return 2
    except (OSError, ValueError, yaml.YAMLError) as exc:
        fail(str(exc))
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        in_use = exc.errno == errno.EADDRINUSE
        fail(f"--host {args.host} --port {args.port}: " + ("that port is in use (another server listens there; "
             "pick another --port, or 0 for any free one)" if in_use else f"cannot listen there: {exc.strerror or exc}"))
        server.close()
        return 2
    base = http_address(args.host, sock.getsockname()[1])
    app = server.app
    if args.record:  # the mock's own exchanges, to replay against a deployment (docs/drift.md)
        from mockserver.http.har_recording import HarRecorder, RecordingMiddleware

        try:
            app = RecordingMiddleware(app, HarRecorder(args.record), base)
        except OSError as exc:
            fail(f"--record {args.record}: {exc}")
            sock.close()
            server.close()
            return 2
        print(f"honcho-mock: recording the exchanges to {args.record} (HAR 1.2, complete at shutdown)", flush=True)
    settle_garbage_collector()
    watch = ContractWatch(server, functools.partial(print, "honcho-mock:", flush=True)).start() if args.watch else None
    try:
        serve(app, host=args.host, sock=sock, log_level=args.log_level,
              on_ready=functools.partial(announce, server, args, base), on_shutdown=server.close)
    finally:
        if watch is not None:
            watch.stop()
        server.close()
    return 0


def announce(server: MockServer, args: argparse.Namespace, base: str) -> None:
    """What a person starting the mock needs to know, printed once it answers."""
    say = functools.partial(print, "honcho-mock:", flush=True)
    contract = server.contract
    api = base + contract.base_path
    what = f"the {server.version.title} contract" if args.spec is None else f"{args.spec} (with {server.version.title}'s behaviour)"
    say(f"serving {what} ({len(contract.operations)} operations, OpenAPI {contract.version}) on {api}")
    if contract.base_path:
        say(f"the API is mounted at {contract.base_path} (the path of the document's first `servers` URL)")
    if server.docs is not None and server.docs.swagger_path:
        say(f"docs: {base}{server.docs.swagger_path} (Swagger UI), {base}/redoc (ReDoc); contract: {base}/openapi.json")
    counts = server.store.counts()
    if server.state_file is not None:
        origin = "restored" if server.state_file.restored else "new file, nothing to restore"
        say(f"state file {server.state_file.path} ({origin}): {describe_counts(counts)}")
    if server.config.fixtures is not None and not (server.state_file and server.state_file.restored):
        say(f"loaded fixtures from {args.fixtures}: {describe_counts(counts)}")
    elif server.config.fixtures is not None:
        say("--fixtures not loaded: the state file holds the state")
    if server.auth is not None:
        say("auth on: operations declaring security (all but /health in openapi.yaml) need "
            "'Authorization: Bearer <jwt>'; an admin JWT for your shell and the SDKs (they read HONCHO_API_KEY):")
        print(f"export HONCHO_API_KEY={server.auth.admin_jwt()}", flush=True)
    for line in describe_faults(server.latency, server.error_rate):
        say(line)
    if args.watch:
        say(f"watching {server.contract_file}: a change to it is served at once, the state kept")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"honcho-mock: warning: listening on {args.host}, reachable from other machines", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
