"""The store's tables: every way of changing them keeps their indexes in step, and they read
like the dicts they replace."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.state.filters import compile_filter
from mockserver.state.indexes import Selection
from mockserver.state.tables import MessageLog, RecordTable, Window, page_of

GOLD = compile_filter({"metadata": {"tier": "gold"}}, "session")
RANKED = compile_filter({"metadata": {"rank": {"gte": 2}}}, "session")


def rec(i: int, tier: str = "gold", **more: Any) -> dict[str, Any]:
    return {"id": f"s{i}", "metadata": {"tier": tier, "rank": i}, **more}


def ids(records: Any) -> list[str]:
    return [r["id"] for r in records]


def gold_table(count: int = 4) -> RecordTable:
    table = RecordTable()
    for i in range(count):
        table[f"s{i}"] = rec(i, "gold" if i % 2 == 0 else "iron")
    return table


def scan(table: RecordTable | MessageLog, predicate: Any) -> list[str]:
    return [r["id"] for r in table.values() if predicate(r)]


def test_every_dict_change_keeps_the_indexes_in_step() -> None:
    table = gold_table(6)
    assert ids(table.select(GOLD)) == ["s0", "s2", "s4"]  # the index is built here
    assert ids(table.select(RANKED)) == ["s2", "s3", "s4", "s5"]
    table["s1"] = rec(1, "gold")  # replaced in place: keeps its place
    table.pop("s2")
    del table["s4"]
    table.setdefault("s9", rec(9))
    table.setdefault("s0", rec(0, "iron"))  # present: unchanged
    table.update({"s7": rec(7, "iron")}, s8=rec(8))
    table |= {"s10": rec(10)}
    key, value = table.popitem()
    assert key == "s10"
    table["s2"] = rec(2)  # made again: now last
    for predicate in (GOLD, RANKED):
        assert ids(table.select(predicate)) == scan(table, predicate)
    assert ids(table.select(GOLD)) == ["s0", "s1", "s9", "s8", "s2"]


def test_a_record_changed_in_place_is_found_under_its_new_value_once_the_table_is_told() -> None:
    table = gold_table()
    assert ids(table.select(GOLD)) == ["s0", "s2"]
    table["s3"]["metadata"] = {"tier": "gold", "rank": 0}
    table.changed("s3")
    table["s0"]["metadata"] = {"tier": "iron", "rank": 9}
    table.changed("s0")
    assert ids(table.select(GOLD)) == ["s2", "s3"]
    assert ids(table.select(RANKED)) == ["s0", "s2"]
    table.changed("absent")  # nothing to do


def test_clear_copy_and_deepcopy_start_without_indexes() -> None:
    table = gold_table()
    table.select(GOLD)
    copied, deep = table.copy(), copy.deepcopy(table)
    assert isinstance(copied, RecordTable) and isinstance(deep, RecordTable)
    assert copied == table == deep and deep["s0"] is not table["s0"] and copied["s0"] is table["s0"]
    copied["s5"] = rec(5)
    deep["s0"]["metadata"] = {"tier": "iron"}
    deep.changed("s0")
    assert ids(copied.select(GOLD)) == ["s0", "s2", "s5"]
    assert ids(deep.select(GOLD)) == ["s2"]
    assert ids(table.select(GOLD)) == ["s0", "s2"]
    table.clear()
    table["s1"] = rec(1)
    assert ids(table.select(GOLD)) == ["s1"]
    assert pickle.loads(pickle.dumps(copied)) == copied


def test_states_are_read_through_pick() -> None:
    class State:
        def __init__(self, record: dict[str, Any]) -> None:
            self.record = record

    table = RecordTable(lambda state: state.record)
    for i in range(3):
        table[f"s{i}"] = State(rec(i))
    window = table.select(None)
    assert isinstance(window, Window) and len(window) == 3 and ids(reversed(window)) == ["s2", "s1", "s0"]
    assert ids(table.select(RANKED)) == ["s2"]


def test_mostly_removed_tables_index_again_from_scratch() -> None:
    table = RecordTable(items=((f"s{i}", rec(i)) for i in range(3000)))
    assert len(table.select(GOLD)) == 3000
    for i in range(2500):
        del table[f"s{i}"]
    assert table._positions is None  # more holes than records: made again when needed
    assert ids(table.select(GOLD))[:2] == ["s2500", "s2501"] and len(table.select(GOLD)) == 500


def messages(count: int) -> MessageLog:
    log = MessageLog()
    for i in range(count):
        log.add({"id": f"m{i}", "metadata": {"tier": "gold" if i % 2 == 0 else "iron"}}, fresh=True)
    return log


def test_a_message_log_reads_as_a_mapping_of_ids() -> None:
    log = messages(3)
    assert len(log) == 3 and list(log) == ["m0", "m1", "m2"] and list(log.keys()) == ["m0", "m1", "m2"]
    assert log["m1"]["id"] == "m1" and log.get("m9") is None and "m2" in log and "m9" not in log
    assert [key for key, _ in log.items()] == ["m0", "m1", "m2"]
    assert ids(reversed(log.values())) == ["m2", "m1", "m0"] and log.values()[1:] == [log["m1"], log["m2"]]
    assert dict(log) == {"m0": log["m0"], "m1": log["m1"], "m2": log["m2"]} == log
    with pytest.raises(KeyError):
        log["m9"]
    with pytest.raises(ValueError):
        log["m5"] = {"id": "other"}


def test_fresh_messages_need_no_id_map_until_an_id_is_looked_up() -> None:
    log = messages(5)
    assert log._ids is None
    assert "m3" in log and log._ids is not None
    log.add({"id": "m5", "metadata": {}}, fresh=True)
    assert log.get("m5") is not None


def test_a_message_with_a_stored_id_replaces_it_in_its_place() -> None:
    gold = compile_filter({"metadata": {"tier": "gold"}}, "message")
    log = messages(4)
    assert ids(log.select(gold)) == ["m0", "m2"]
    log["m1"] = {"id": "m1", "metadata": {"tier": "gold"}}
    log.add({"id": "m2", "metadata": {"tier": "iron"}})  # an id made elsewhere: the map is asked
    log.add({"id": "m4", "metadata": {"tier": "gold"}})
    assert ids(log.select(gold)) == ["m0", "m1", "m4"] == scan(log, gold)
    assert list(log) == ["m0", "m1", "m2", "m3", "m4"]


def test_messages_changed_in_place_or_removed_keep_the_answers_right() -> None:
    gold = compile_filter({"metadata": {"tier": "gold"}}, "message")
    log = messages(6)
    assert ids(log.select(gold)) == ["m0", "m2", "m4"]
    log["m1"]["metadata"] = {"tier": "gold"}
    log.changed("m1")
    del log["m0"]
    assert ids(log.select(gold)) == ["m1", "m2", "m4"] == scan(log, gold)
    log.add({"id": "m6", "metadata": {"tier": "gold"}}, fresh=True)
    assert ids(log.select(gold)) == ["m1", "m2", "m4", "m6"]
    assert list(log) == ["m1", "m2", "m3", "m4", "m5", "m6"] and log["m5"]["id"] == "m5"


def test_message_log_copies() -> None:
    log = messages(3)
    copied, deep = log.copy(), copy.deepcopy(log)
    copied.add({"id": "m9", "metadata": {}}, fresh=True)
    assert len(log) == 3 and len(copied) == 4 and copied["m0"] is log["m0"]
    assert deep == log and deep["m0"] is not log["m0"]
    assert pickle.loads(pickle.dumps(log)) == log and repr(log) == "MessageLog(3 messages)"


class _Held:
    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 12), st.integers(0, 14), st.integers(1, 6), st.booleans())
def test_a_page_is_the_slice_of_the_ordered_records(count: int, start: int, size: int, reverse: bool) -> None:
    """`page_of` answers what slicing the records in (reversed) order answers, whatever the
    selection: a window over a table of states, a list, a message log's records, an iterable."""
    import operator

    records = [rec(i) for i in range(count)]
    expected = (records[::-1] if reverse else records)[start:start + size]
    table = RecordTable(operator.attrgetter("record"), ((r["id"], _Held(r)) for r in records))
    log = MessageLog(records)
    indexed = Selection(list(range(count)), records)
    for selection in (Window(table, table.pick), list(records), log.values(), indexed, tuple(records)):
        assert page_of(selection, start, start + size, reverse) == expected
