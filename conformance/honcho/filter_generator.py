"""Random `filters` for the semantic checks: conditions drawn from the records at hand, so that
they select something, and documents the server must refuse."""

from __future__ import annotations

import random
from typing import Any

from conformance.honcho.filters_reference import (
    FIELDS,
    LOGICAL,
    MAX_DEPTH,
    WILDCARD,
    Record,
)

# Metadata values the semantic phase stores, so that generated filters hit something.
METADATA_KEYS = ("kind", "rank", "tag", "flag", "day")


KINDS = ("alpha", "beta", "gamma")


TAGS = ("red", "green", "blue")


DAYS = ("2024-01-05", "2024-02-10", "2024-03-15")


def sample_metadata(rng: random.Random) -> dict[str, Any]:
    """Metadata drawn from a small vocabulary (some keys left out on purpose)."""
    metadata: dict[str, Any] = {}
    if rng.random() < 0.8:
        metadata["kind"] = rng.choice(KINDS)
    if rng.random() < 0.7:
        metadata["rank"] = rng.randint(0, 9)
    if rng.random() < 0.5:
        metadata["tag"] = rng.choice(TAGS)
    if rng.random() < 0.4:
        metadata["flag"] = rng.random() < 0.5
    if rng.random() < 0.4:
        metadata["day"] = rng.choice(DAYS)
    if rng.random() < 0.2:
        metadata["profile"] = {"role": rng.choice(("admin", "user")), "team": rng.choice(("x", "y"))}
    return metadata


def random_filter(rng: random.Random, resource: str, records: list[Record], depth: int = 0,
                  shared: str = "") -> dict[str, Any]:
    """A valid filter within the defined subset, built from values present in `records`.

    `shared` is a start many values have in common and that changes from run to run (the run's
    workspace prefix): substrings are drawn after it, so that one seed draws the same filters
    whatever the prefix."""
    fields = FIELDS[resource]
    parts: dict[str, Any] = {}
    for _ in range(rng.choice((1, 1, 1, 2))):
        choice = rng.random()
        if depth < 2 and choice < 0.2:
            op = rng.choice(LOGICAL)
            parts[op] = [random_filter(rng, resource, records, depth + 1, shared) for _ in range(rng.randint(1, 2))]
        elif choice < 0.7 and "metadata" in fields:
            parts["metadata"] = _metadata_condition(rng)
        else:
            name = rng.choice(sorted(fields - {"metadata"}))
            condition = _field_condition(rng, name, records, shared)
            if condition is not None:
                parts[name] = condition
    return parts


def _pick_value(rng: random.Random, name: str, records: list[Record]) -> Any:
    values = [r[name] for r in records if r.get(name) is not None]  # a null field (a conclusion's session) has no value to filter by
    return rng.choice(values) if values else None


def _field_condition(rng: random.Random, name: str, records: list[Record], shared: str = "") -> Any:
    value = _pick_value(rng, name, records)
    if value is None:
        return WILDCARD
    roll = rng.random()
    if name == "created_at":
        op = rng.choice(("gte", "lte", "gt", "lt"))
        return {op: value} if roll < 0.9 else WILDCARD
    if name == "token_count":
        if roll < 0.4:
            return value
        if roll < 0.8:
            return {rng.choice(("gte", "lte", "gt", "lt", "ne")): value}
        return {"in": [value, value + 1]}
    if name == "is_active":
        return value
    # a text field
    if roll < 0.5:
        return value
    if roll < 0.75:
        others = [r[name] for r in records if r.get(name) is not None]
        return {"in": sorted(set(rng.sample(others, min(len(others), 2))))}
    own = value[len(shared):] if shared and value.startswith(shared) and len(value) > len(shared) else value
    piece = own[rng.randrange(len(own)):][:3] or value
    return {rng.choice(("contains", "icontains")): piece.upper() if rng.random() < 0.5 else piece}


def _metadata_condition(rng: random.Random) -> dict[str, Any]:
    key = rng.choice(METADATA_KEYS + ("profile",))
    roll = rng.random()
    if key == "kind":
        if roll < 0.5:
            return {"kind": rng.choice(KINDS)}
        if roll < 0.8:
            return {"kind": {"in": rng.sample(KINDS, 2)}}
        return {"kind": {"icontains": rng.choice(KINDS)[:2].upper()}}
    if key == "rank":
        if roll < 0.3:
            return {"rank": rng.randint(0, 9)}
        if roll < 0.8:
            ops = rng.sample(["gte", "lte", "gt", "lt", "ne"], rng.choice((1, 2)))
            return {"rank": {op: rng.randint(0, 9) for op in ops}}
        return {"rank": {"in": [rng.randint(0, 9), rng.randint(0, 9)]}}
    if key == "tag":
        return {"tag": rng.choice(TAGS)} if roll < 0.6 else {"tag": {"ne": rng.choice(TAGS)}}
    if key == "flag":
        return {"flag": rng.random() < 0.5}
    if key == "day":
        return {"day": {rng.choice(("gte", "lte", "gt", "lt")): rng.choice(DAYS)}}
    return {"profile": {"role": rng.choice(("admin", "user"))}}


def invalid_filters(resource: str) -> list[dict[str, Any]]:
    """Filters the server must refuse with 422 and a string detail."""
    absent = next(f for f in ("session_id", "peer_id", "is_active", "token_count", "observer_id") if f not in FIELDS[resource])
    nested: dict[str, Any] = {"id": "x"} if "id" in FIELDS[resource] else {"workspace_id": "x"}
    for _ in range(MAX_DEPTH + 2):
        nested = {"AND": [nested]}
    return [
        {"no_such_field": 1},
        {absent: "x"},
        {"metadata": {"rank": {"gte": 1, "between": 2}}},
        {"AND": {"metadata": {"kind": "alpha"}}},
        {"created_at": {"gte": "not a date"}},
        nested,
    ]
