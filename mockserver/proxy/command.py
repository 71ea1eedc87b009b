"""`honcho-mock --proxy URL [--record FILE] [--shadow]`: the proxy's start-up and shutdown."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any
from urllib.parse import urlsplit

import yaml

import honcho_contracts

from mockserver.app import MockConfig, MockServer, served_version
from mockserver.contract.document import Contract
from mockserver.errors import ApiError
from mockserver.http.har_recording import HarRecorder
from mockserver.http.serving import serve
from mockserver.proxy.exchange_validation import ExchangeValidator
from mockserver.proxy.forwarding import REPORT_PATH, ProxyApp
from mockserver.state.fixtures import FixtureError, read_fixtures

# options that shape a served mock, not a proxy (its shadow mock keeps no file and sends nothing)
_NOT_WITH_PROXY = {"state_file": "--state-file", "webhook_allow": "--webhook-allow", "latency": "--latency",
                   "error_rate": "--error-rate"}


def proxy_problem(args: argparse.Namespace) -> str | None:
    """Why these options cannot start a proxy, or None."""
    if not args.proxy:
        return "--shadow needs --proxy URL"
    parts = urlsplit(args.proxy)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"--proxy needs an http(s) URL, got {args.proxy!r}"
    used = [flag for name, flag in _NOT_WITH_PROXY.items() if getattr(args, name)]
    if used:
        return f"{', '.join(used)} cannot be combined with --proxy"
    if (args.fixtures or args.seed is not None) and not args.shadow:
        return "--fixtures and --seed shape the shadow mock: add --shadow"
    return None


def run_proxy(args: argparse.Namespace, auth: dict[str, Any]) -> int:
    problem = proxy_problem(args)
    if problem:
        print(f"honcho-mock: cannot start: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(message)s")  # violations and differences, as they happen
    recorder: HarRecorder | None = None
    try:
        version = served_version(args.api_version or honcho_contracts.DEFAULT_VERSION)
        contract = Contract.of_version(version) if args.spec is None else Contract.load(args.spec)
        shadow = None
        if args.shadow:
            fixtures = read_fixtures(args.fixtures) if args.fixtures else None
            shadow = MockServer(MockConfig(spec=args.spec, api_version=version.name, seed=args.seed, fixtures=fixtures, max_body=args.max_body,
                                           cors=False, swagger_ui=False, max_records=args.max_records or None, **auth))
        recorder = HarRecorder(args.record) if args.record else None
        app = ProxyApp(args.proxy, ExchangeValidator(contract.document), recorder=recorder,
                       shadow=shadow.app if shadow else None, max_body=args.max_body,
                       on_shutdown=lambda proxy: print(f"honcho-mock: proxy: {proxy.stats.summary()}", flush=True))
    except (OSError, ValueError, FixtureError, yaml.YAMLError, ApiError) as exc:
        if recorder is not None:
            recorder.close()
        print(f"honcho-mock: cannot start: {exc}", file=sys.stderr)
        return 2
    what = ["validating against " + (str(args.spec) if args.spec else f"the {version.title} contract")]
    if recorder is not None:
        what.append(f"recording to {args.record}")
    if shadow is not None:
        what.append("shadowing on the mock")
    print(f"honcho-mock: proxy on http://{args.host}:{args.port} -> {args.proxy} ({', '.join(what)}); "
          f"report: http://{args.host}:{args.port}{REPORT_PATH}", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"honcho-mock: warning: listening on {args.host}, reachable from other machines", file=sys.stderr, flush=True)
    try:
        serve(app, host=args.host, port=args.port, log_level=args.log_level)  # the summary is printed at shutdown
    finally:
        if recorder is not None:
            recorder.close()  # the lifespan shutdown closed it already, unless start-up failed
    return 0
