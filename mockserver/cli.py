"""`honcho-mock`: serve openapi.yaml as a stateful mock on a loopback port."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import uvicorn
import yaml

from .app import MockConfig, MockServer
from .contract import DEFAULT_SPEC
from .dispatch import DEFAULT_MAX_BODY
from .snapshot import FixtureError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="honcho-mock", description="A stateful mock of the Honcho v3 API, served from its OpenAPI contract.")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI document to serve (default: the bundled openapi.yaml)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=None, help="make server-made ids and timestamps reproducible")
    parser.add_argument("--fixtures", type=Path, default=None, help="JSON or YAML fixture document to load at start")
    parser.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, help="largest request body accepted, in bytes (413 above)")
    parser.add_argument("--no-cors", action="store_true", help="do not answer CORS requests")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    return parser


def read_fixtures(path: Path) -> Any:
    """A fixture document from a .json, .yaml or .yml file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    return yaml.safe_load(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        fixtures = read_fixtures(args.fixtures) if args.fixtures else None
        server = MockServer(MockConfig(spec=args.spec, seed=args.seed, fixtures=fixtures,
                                       max_body=args.max_body, cors=not args.no_cors))
    except (OSError, ValueError, FixtureError, yaml.YAMLError) as exc:
        print(f"honcho-mock: cannot start: {exc}", file=sys.stderr)
        return 2
    counts = server.store.counts()
    print(f"honcho-mock: serving {args.spec} ({len(server.contract.operations)} operations) "
          f"on http://{args.host}:{args.port}  (Swagger UI: http://{args.host}:{args.port}/ui/)", flush=True)
    if fixtures is not None:
        print(f"honcho-mock: loaded fixtures: {counts}", flush=True)
    uvicorn.run(server.app, host=args.host, port=args.port, log_level=args.log_level, lifespan="on")
    return 0


if __name__ == "__main__":
    sys.exit(main())
