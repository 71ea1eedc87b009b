"""honcho-mock with the optimisations proposed in bench/results.md monkeypatched in.

A measurement aid, not part of the mock: it is how the "expected gain" figures of the
Profile section were obtained without editing mockserver/. Pick patches with PATCHES:

    make bench ARGS='--only compare --mock-command "env PATCHES=ts,orjson,rsvalid .venv/bin/python bench/prototypes.py"'

  ts       created_at stored as its final text (formatted once, when the record is made)
  orjson   responses encoded with orjson (`pip install orjson`), stdlib json as fallback
  rsvalid  jsonschema_rs `is_valid` first; the Python validator only for invalid input
  router   API operations routed by a precompiled table straight to the Dispatcher
  filters  scalar metadata conditions as one specialised closure; attrgetter/filter()
  nanoid   ids from one urandom call (unseeded) or one getrandbits (seeded)
  gc       gc.freeze() after start-up, higher collection thresholds

Each patch reaches into private names of mockserver as they were when it was written; a
patch whose target has moved is reported and skipped. Delete this file once the changes
it imitates are applied (or rejected).
"""

from __future__ import annotations

import gc
import operator
import os
import re
import secrets
import sys
from datetime import datetime

PATCHES = set(filter(None, os.environ.get("PATCHES", "").split(",")))
APPLIED: list[str] = []

import mockserver.clock as clock  # noqa: E402
import mockserver.filters as filters  # noqa: E402
import mockserver.responses as responses  # noqa: E402
import mockserver.store as store  # noqa: E402
import mockserver.validation as validation  # noqa: E402


def patch(name: str):  # type: ignore[no-untyped-def]
    def apply(function):  # type: ignore[no-untyped-def]
        if name in PATCHES:
            try:
                function()
                APPLIED.append(name)
            except (AttributeError, ImportError) as exc:
                print(f"prototypes: patch {name} not applied: {exc}", file=sys.stderr, flush=True)
        return function
    return apply


@patch("ts")
def _created_at_as_text() -> None:
    original_now = clock.Clock.now

    def now_text(self):  # type: ignore[no-untyped-def]
        return clock.format_timestamp(original_now(self))
    clock.Clock.now = now_text  # type: ignore[method-assign]


@patch("orjson")
def _orjson() -> None:
    import orjson
    stdlib_encode = responses.encode_json

    def default(value):  # type: ignore[no-untyped-def]
        if isinstance(value, datetime):
            return clock.format_timestamp(value)
        raise TypeError

    def encode_json(body):  # type: ignore[no-untyped-def]
        try:
            return orjson.dumps(body, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME)
        except TypeError:  # lone surrogates, sets: the stdlib path
            return stdlib_encode(body)
    responses.encode_json = encode_json


@patch("rsvalid")
def _jsonschema_rs_first() -> None:
    import jsonschema_rs
    from mockserver.contract import Contract

    python_errors = validation._schema_errors
    registry = jsonschema_rs.Registry([(validation._CONTRACT_URI, Contract.load().document)])
    fast: dict[int, tuple[object, object]] = {}

    def schema_errors(validator, instance, prefix):  # type: ignore[no-untyped-def]
        entry = fast.get(id(validator))
        if entry is None:
            entry = fast[id(validator)] = (validator, jsonschema_rs.validator_for(
                validator.schema, registry=registry, validate_formats=True))
        if entry[1].is_valid(instance):
            return []
        return python_errors(validator, instance, prefix)
    validation._schema_errors = schema_errors


@patch("filters")
def _specialised_filters() -> None:
    store._record_of = operator.attrgetter("record")
    general = filters._compile_metadata_key
    missing = object()

    def compile_metadata_key(key, condition):  # type: ignore[no-untyped-def]
        if isinstance(condition, str):
            def predicate(record):  # type: ignore[no-untyped-def]
                metadata = record.get("metadata")
                value = metadata.get(key, missing) if metadata.__class__ is dict else missing
                return value.__class__ is str and value == condition
            return predicate
        return general(key, condition)
    filters._compile_metadata_key = compile_metadata_key

    def select(records, predicate):  # type: ignore[no-untyped-def]
        return records if predicate is None else list(filter(predicate, records))
    store.select = select


@patch("nanoid")
def _fast_ids() -> None:
    import base64

    def nanoid(self):  # type: ignore[no-untyped-def]
        if self._random is not None:
            return base64.urlsafe_b64encode(self._random.getrandbits(128).to_bytes(16, "big")).decode()[:21]
        return secrets.token_urlsafe(16)[:21]
    clock.Clock.nanoid = nanoid  # type: ignore[method-assign]


import mockserver.app as app_module  # noqa: E402


@patch("router")
def _precompiled_routes() -> None:
    from mockserver.dispatch import Dispatcher
    from mockserver.handlers.registry import OPERATIONS

    original_build = app_module.MockServer._build

    def build(self):  # type: ignore[no-untyped-def]
        inner = original_build(self)
        dispatcher = Dispatcher(self.store, self.validators, OPERATIONS, max_body=self.config.max_body)
        literal: dict[tuple[str, str], str] = {}
        templated = []
        for op in self.contract.operations.values():
            names = re.findall(r"{([^}]+)}", op.path)
            if names:
                pattern = re.compile("^" + re.sub(r"{[^}]+}", "([^/]+)", op.path) + "$")
                templated.append((len(names), op.method.upper(), pattern, names, op.operation_id))
            else:
                literal[(op.method.upper(), op.path)] = op.operation_id
        templated.sort(key=lambda t: t[0])  # the most literal template first

        async def routed(scope, receive, send):  # type: ignore[no-untyped-def]
            if scope["type"] == "http" and not any(k == b"origin" for k, _ in scope["headers"]):
                method, path = scope["method"], scope["path"]
                operation_id, params = literal.get((method, path)), {}
                if operation_id is None:
                    for _, wanted, pattern, names, candidate in templated:
                        found = pattern.match(path) if wanted == method else None
                        if found:
                            operation_id, params = candidate, dict(zip(names, found.groups()))
                            break
                if operation_id is not None:
                    scope["extensions"] = {"connexion_routing": {"operation_id": operation_id}}
                    scope["path_params"] = params
                    await dispatcher(scope, receive, send)
                    return
            await inner(scope, receive, send)
        return routed
    app_module.MockServer._build = build


@patch("gc")
def _gc_freeze() -> None:
    original_init = app_module.MockServer.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 20, 100)
    app_module.MockServer.__init__ = init


if __name__ == "__main__":
    from mockserver.cli import main

    unknown = PATCHES - {"ts", "orjson", "rsvalid", "filters", "nanoid", "router", "gc"}
    if unknown:
        print(f"prototypes: unknown patch(es) {', '.join(sorted(unknown))}", file=sys.stderr)
        sys.exit(2)
    print(f"prototypes: honcho-mock with {', '.join(APPLIED) or 'no patch'}", flush=True)
    sys.exit(main())
