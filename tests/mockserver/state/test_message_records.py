"""Messages stored packed: the same dict to every reader and the same JSON, in less memory."""

from __future__ import annotations

import copy
import json
import sys

import orjson
import pytest

from mockserver.json_text import encode_json
from mockserver.state.message_records import MESSAGE_FIELDS, NO_METADATA, message_record, packed

FIELDS = ("m1", "hello", "alice", "s1", {"k": [1, 2]}, "2024-01-01T00:00:00Z", "w1", 1)


def literal(*values: object) -> dict[str, object]:
    return dict(zip(MESSAGE_FIELDS, values))


def test_a_packed_message_is_a_dict_with_the_api_fields_in_order() -> None:
    record = message_record(*FIELDS)
    assert type(record) is dict and tuple(record) == MESSAGE_FIELDS and record == literal(*FIELDS)
    assert encode_json(record) == orjson.dumps(literal(*FIELDS)) == json.dumps(record, separators=(",", ":")).encode()
    record["metadata"] = {"changed": True}  # replaced whole, as update_message does
    assert record["metadata"] == {"changed": True} and tuple(record) == MESSAGE_FIELDS


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="the packing is CPython's split-table dicts")
def test_a_packed_message_takes_less_memory_than_a_dict_literal() -> None:
    made = [message_record(*FIELDS) for _ in range(100)]  # CPython sizes the shared table to fit after a few
    assert sys.getsizeof(made[-1]) <= sys.getsizeof(literal(*FIELDS)) // 2


def test_messages_without_metadata_share_one_empty_dict_that_refuses_changes() -> None:
    first, second = (message_record(*FIELDS[:4], None, *FIELDS[5:]) for _ in range(2))
    assert first["metadata"] is second["metadata"] is NO_METADATA and NO_METADATA == {}
    assert encode_json(first).count(b'"metadata":{}') == 1
    for change in (lambda m: m.__setitem__("a", 1), lambda m: m.update(a=1), lambda m: m.setdefault("a", 1),
                   lambda m: m.pop("a"), lambda m: m.clear(), lambda m: m.popitem()):
        with pytest.raises(TypeError):
            change(NO_METADATA)
    copied = copy.deepcopy(first)["metadata"]
    copied["a"] = 1  # a copy is an ordinary dict
    assert NO_METADATA == {}


def test_packed_keeps_other_shapes_as_they_are() -> None:
    message = packed(literal(*FIELDS[:4], {}, *FIELDS[5:]))
    assert message["metadata"] is NO_METADATA and tuple(message) == MESSAGE_FIELDS
    other = {"id": "m1", "content": "x", "extra": 1}
    assert packed(other) is other
