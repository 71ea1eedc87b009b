"""`honcho-mock`: serve openapi.yaml as a stateful mock on a loopback port."""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, NoReturn, Sequence

import yaml
from connexion.exceptions import InvalidSpecification

from .app import MockConfig, MockServer
from .contract.document import DEFAULT_SPEC
from .errors import ApiError
from .http.bodies import DEFAULT_MAX_BODY
from .http.faults import describe as describe_faults
from .http.serving import serve
from .state.record_cap import DEFAULT_MAX_RECORDS
from .state.snapshot import FixtureError
from .state.state_file import DEFAULT_SAVE_INTERVAL


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
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI document to serve (default: the bundled openapi.yaml)")
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
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser


def read_fixtures(path: Path) -> Any:
    """A fixture document from a .json, .yaml or .yml file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    return yaml.safe_load(text)


def auth_options(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, Any]:
    """The auth settings from the flags, else the environment (auth.py)."""
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
    try:
        fixtures = read_fixtures(args.fixtures) if args.fixtures else None
        server = MockServer(MockConfig(spec=args.spec, seed=args.seed, fixtures=fixtures,
                                       fixtures_source=f"--fixtures {args.fixtures}",
                                       max_body=args.max_body, cors=not args.no_cors, max_records=args.max_records or None,
                                       state_file=args.state_file, save_interval=args.save_interval,
                                       latency=tuple(args.latency), error_rate=tuple(args.error_rate),
                                       webhook_allow=tuple(args.webhook_allow),
                                       allowed_hosts=tuple(args.allowed_host), bind_host=args.host,
                                       **auth_options(args, os.environ)))
    except InvalidSpecification as exc:
        where = "/".join(str(part) for part in exc.absolute_path)
        print(f"honcho-mock: cannot start: {args.spec} is not a valid OpenAPI document: {exc.message} (at /{where})",
              file=sys.stderr)
        return 2
    except (OSError, ValueError, FixtureError, yaml.YAMLError, ApiError) as exc:
        print(f"honcho-mock: cannot start: {' '.join(str(exc).split())}", file=sys.stderr)  # one line
        return 2
    counts = server.store.counts()
    print(f"honcho-mock: serving {args.spec} ({len(server.contract.operations)} operations) "
          f"on http://{args.host}:{args.port}  (Swagger UI: http://{args.host}:{args.port}/ui/)", flush=True)
    if server.state_file is not None:
        origin = "restored" if server.state_file.restored else "new file, nothing to restore"
        print(f"honcho-mock: state file {server.state_file.path} ({origin}): {counts}", flush=True)
    if fixtures is not None and not (server.state_file and server.state_file.restored):
        print(f"honcho-mock: loaded fixtures: {counts}", flush=True)
    elif fixtures is not None:
        print(f"honcho-mock: --fixtures not loaded: the state file holds the state", flush=True)
    if server.auth is not None:
        print("honcho-mock: auth on: operations declaring security (all but /health in openapi.yaml) need "
              "'Authorization: Bearer <jwt>'; "
              f"admin JWT: {server.auth.admin_jwt()}", flush=True)
    for line in describe_faults(server.latency, server.error_rate):
        print(f"honcho-mock: {line}", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"honcho-mock: warning: listening on {args.host}, reachable from other machines", file=sys.stderr, flush=True)
    settle_garbage_collector()
    try:
        serve(server.app, host=args.host, port=args.port, log_level=args.log_level)
    finally:
        if server.state_file is not None and server.state_file.dirty:  # the lifespan shutdown did not save
            server.state_file.save_now(server.store)
        if server.state_file is not None:
            server.state_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
