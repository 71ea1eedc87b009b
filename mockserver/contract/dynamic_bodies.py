"""Bodies drawn at random from a schema, for `Prefer: dynamic=true` (Prism's dynamic mode).

A static answer (`examples.generate`) is the same every time, which is what a UI test wants; a
dynamic one varies, which is what a UI needs to meet long names, empty lists, nulls and odd
numbers before its users do. `random_value` covers the keywords `generate` covers (types, enum/
const, properties/required, items/prefixItems, bounds, formats, allOf/anyOf/oneOf, $ref), drawing
each choice from the `random.Random` it is given (seeded by `--seed`, so a seeded mock draws the
same bodies in the same order). A `pattern` takes `generate`'s minimal match. The caller checks the
body against its schema and draws again when a union's branches overlap (examples.ExampleResponder).
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta, timezone
from typing import Any

from mockserver.contract.document import Operation
from mockserver.contract.examples import (
    MAX_DEPTH,
    ExampleResponder,
    Resolve,
    consistent_pages,
    generate,
    merge_all,
    type_of,
)
from mockserver.contract.validation import is_json_media
from mockserver.handler_interface import OperationResult

DRAWS = 20  # bodies drawn before the static answer is given instead (a union whose branches overlap, say)
_WORDS = ("tea", "alice", "river", "note", "maple", "orbit", "quiet", "lamp", "mosaic", "harbor", "ember", "violet")
_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


def dynamic_reply(responder: ExampleResponder, operation: Operation, status: int, rng: random.Random) -> OperationResult:
    """The operation's declared response for `status` with a body drawn from its schema, valid against it
    (the static answer when the response has no JSON schema, or no draw validates)."""
    key = responder.declared_key(operation, status)
    found = responder.media_object(operation, key) if key is not None else None
    if found is None or not is_json_media(found[0]) or "schema" not in found[1]:
        return responder.reply(operation, status)
    schema = found[1]["schema"]
    for _ in range(DRAWS):
        body = consistent_pages(random_value(schema, responder.contract.resolve, rng))
        if responder.valid(schema, body):
            return OperationResult(status, body)
    return responder.reply(operation, status)


def random_value(schema: Any, resolve: Resolve, rng: random.Random, depth: int = 0) -> Any:
    """A value drawn for `schema` (JSON Schema 2020-12); valid for the common keywords."""
    schema = resolve(schema)
    if schema is True or not isinstance(schema, dict):
        return rng.choice([0, "x", True, None])
    if "$ref" in schema:
        schema = merge_all([{k: v for k, v in schema.items() if k != "$ref"}, resolve({"$ref": schema["$ref"]})], resolve)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return rng.choice(schema["enum"])
    if isinstance(schema.get("allOf"), list):
        merged = merge_all([{k: v for k, v in schema.items() if k != "allOf"}, *schema["allOf"]], resolve)
        return random_value(merged, resolve, rng, depth)
    for union in ("anyOf", "oneOf"):
        branches = schema.get(union)
        if isinstance(branches, list) and branches:
            rest = {k: v for k, v in schema.items() if k != union}
            if depth >= MAX_DEPTH and any(resolve(b) == {"type": "null"} for b in branches):
                return None
            return random_value(merge_all([rest, rng.choice(branches)], resolve), resolve, rng, depth)
    kind = schema.get("type")
    if isinstance(kind, list) and kind:
        schema = {**schema, "type": rng.choice(kind)}
    kind = type_of(schema)
    if kind == "null":
        return None
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("integer", "number"):
        return _number(schema, kind, resolve, rng)
    if kind == "string":
        return _string(schema, resolve, rng)
    if kind == "array":
        return _array(schema, resolve, rng, depth)
    if kind == "object":
        return _object(schema, resolve, rng, depth)
    return generate(schema, resolve, depth)


def _number(schema: dict[str, Any], kind: str, resolve: Resolve, rng: random.Random) -> int | float:
    if "multipleOf" in schema:  # the static generator's candidates respect the step
        return generate(schema, resolve)
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum", max(low, 0) + 1000))
    if kind == "integer":
        low = int(low) + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
        high = int(high) - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
        return rng.randint(low, high) if low <= high else generate(schema, resolve)
    value = round(rng.uniform(low, high), 2)
    return value if low < value < high or (value == low and "minimum" in schema) or (
        value == high and "maximum" in schema) else generate(schema, resolve)


def _string(schema: dict[str, Any], resolve: Resolve, rng: random.Random) -> str:
    if "pattern" in schema:
        return generate(schema, resolve)
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    fmt = schema.get("format")
    if fmt == "date-time":
        moment = _EPOCH + timedelta(seconds=rng.randrange(2 * 365 * 86400), microseconds=rng.randrange(10**6))
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    elif fmt == "date":
        text = (_EPOCH + timedelta(days=rng.randrange(730))).strftime("%Y-%m-%d")
    elif fmt == "uuid":
        digits = f"{rng.getrandbits(128):032x}"
        text = f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-8{digits[17:20]}-{digits[20:]}"
    elif fmt in ("email", "idn-email"):
        text = f"{rng.choice(_WORDS)}{rng.randrange(100)}@example.com"
    elif fmt:
        return generate(schema, resolve)
    else:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 4))]
        text = " ".join(words) if rng.random() < 0.7 else "".join(rng.choices(string.ascii_letters, k=rng.randint(1, 24)))
    if len(text) < low:
        text += "".join(rng.choices(string.ascii_lowercase, k=low - len(text)))
    return text if high is None else text[:high]


def _array(schema: dict[str, Any], resolve: Resolve, rng: random.Random, depth: int) -> list[Any]:
    prefix = schema.get("prefixItems") or []
    items = schema.get("items", {})
    low, high = schema.get("minItems", 0), schema.get("maxItems")
    most = low + (3 if depth < MAX_DEPTH and items is not False else 0)
    count = max(len(prefix) if items is False else 0, rng.randint(low, most if high is None else min(most, high)))
    values = [random_value(s, resolve, rng, depth + 1) for s in prefix[:count]]
    for _ in range(count - len(values)):
        value = random_value(items, resolve, rng, depth + 1)
        if schema.get("uniqueItems") and value in values:
            continue  # fewer items rather than a duplicate (minItems is checked by the caller's validation)
        values.append(value)
    return values


def _object(schema: dict[str, Any], resolve: Resolve, rng: random.Random, depth: int) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    required = {name for name in schema.get("required", []) if isinstance(name, str)}
    names = [n for n in properties if n in required or (depth < MAX_DEPTH and rng.random() < 0.7)]
    result = {name: random_value(properties[name], resolve, rng, depth + 1) for name in names}
    extra = schema.get("additionalProperties", True)
    for name in sorted(required - set(result)):
        result[name] = random_value(extra if isinstance(extra, dict) else {}, resolve, rng, depth + 1)
    while len(result) < schema.get("minProperties", 0) and extra is not False:
        result.setdefault(f"{rng.choice(_WORDS)}{len(result)}", random_value(
            extra if isinstance(extra, dict) else {}, resolve, rng, depth + 1))
    return result
