"""conformance/breaking/pairs.py: where a pair is, and which version writes and which reads."""

from __future__ import annotations

from conformance.breaking.pairs import Area, Direction, Pair
from conformance.core.openapi import Contract

DOC = Contract({"openapi": "3.1.0", "paths": {}}, name="doc")


def pair(direction: Direction, pointer: str = "") -> Pair:
    return Pair(Area.SCHEMA, direction, "old", "new", DOC, DOC, "POST /x", "request body application/json", pointer)


def test_the_location_is_the_place_and_the_pointer_below_it() -> None:
    assert pair(Direction.REQUEST).location == "request body application/json"
    assert pair(Direction.REQUEST, "items[]").location == "request body application/json: items[]"
    assert pair(Direction.REQUEST, "items[]").below("id") == "items[].id" and pair(Direction.REQUEST).below("id") == "id"


def test_clients_write_requests_by_the_old_version_and_read_responses_by_it() -> None:
    request, response = pair(Direction.REQUEST), pair(Direction.RESPONSE)
    assert (request.writer, request.reader) == ("old", "new")
    assert (response.writer, response.reader) == ("new", "old")
    assert response.written_and_read(1, 2) == (2, 1)


def test_both_means_present_in_both_versions() -> None:
    assert pair(Direction.REQUEST).both
    assert not Pair(Area.OPERATION, Direction.BOTH, None, {}, DOC, DOC).both
