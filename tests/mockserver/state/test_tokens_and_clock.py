"""The token estimate (its ASCII fast path counts exactly as the piece rule it documents) and ids."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.state.tokens import count_tokens

PIECE = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]|_")


def by_the_rule(text: str) -> int:
    """One token per started 6 letters of a word, per 3 digits, per other visible character."""
    return sum(1 + (len(p) - 1) // 6 if p[0].isalpha() else 1 for p in PIECE.findall(text))


def test_documented_examples() -> None:
    assert count_tokens("hello") == 1
    assert count_tokens("hi alice") == 2
    assert count_tokens("") == 0
    assert count_tokens("abcdefghijklm 1234567, __") == 3 + 3 + 1 + 2


ASCII_HEAVY = st.text(st.sampled_from("aZ09 _-.,\t\n\x1c\x1f\x7f\x00!é²½三"), max_size=60)
# mostly letters: words of 7 to 30 letters (several tokens each) side by side
LONG_WORDS = st.text(st.sampled_from("abcdefghXYZ" * 3 + " 1_."), max_size=120)


@settings(max_examples=400, deadline=None)
@given(st.one_of(ASCII_HEAVY, LONG_WORDS, st.text(max_size=60)))
def test_counts_as_the_rule(text: str) -> None:
    assert count_tokens(text) == by_the_rule(text)


def test_unseeded_ids_are_distinct_nanoids() -> None:
    """Ids come from a pool refilled from os.urandom: every one is 21 characters of the
    nanoid alphabet, and none repeats across refills."""
    from mockserver.state.clock import NANOID_ALPHABET, Clock

    clock = Clock()
    ids = [clock.nanoid() for _ in range(1000)]  # 16 refills
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 21 and set(i) <= set(NANOID_ALPHABET) for i in ids)
    seeded = [Clock(7).nanoid() for _ in range(2)]
    assert seeded[0] == seeded[1]  # a seed still makes the sequence reproducible


def test_seeded_stamps_step_a_millisecond_in_the_api_text() -> None:
    """A seeded clock's stamps are its epoch plus k milliseconds, written as `format_timestamp`
    writes them, across second boundaries (the text of a second is reused within it)."""
    from datetime import timedelta

    from mockserver.state.clock import SEEDED_EPOCH, Clock
    from mockserver.timestamps import format_timestamp

    clock = Clock(3)
    stamps = [clock.stamp() for _ in range(2500)]
    assert stamps == [format_timestamp(SEEDED_EPOCH + timedelta(milliseconds=k)) for k in range(1, 2501)]
    assert stamps[999] == "2026-01-01T00:00:01Z"  # a whole second has no fraction
    assert clock.now() == SEEDED_EPOCH + timedelta(milliseconds=2501)


def test_unseeded_stamps_increase_and_continue_after_a_restored_moment() -> None:
    """Stamps are strictly increasing canonical texts; after `continue_after` the clock never
    stamps at or before that moment, even one in the future or at a whole second."""
    from datetime import datetime, timedelta, timezone

    from mockserver.state.clock import Clock
    from mockserver.timestamps import format_timestamp, parse_timestamp

    clock = Clock()
    moments = [parse_timestamp(clock.stamp()) for _ in range(500)]
    assert all(a < b for a, b in zip(moments, moments[1:]))
    assert all(format_timestamp(m) == format_timestamp(parse_timestamp(format_timestamp(m))) for m in moments)
    future = datetime(2999, 1, 1, tzinfo=timezone.utc)
    clock.continue_after(future - timedelta(microseconds=1))
    assert clock.stamp() == "2999-01-01T00:00:00Z"
    assert clock.stamp() == "2999-01-01T00:00:00.000001Z"
    assert clock.now() == future + timedelta(microseconds=2)
    clock.continue_after(datetime(2000, 1, 1, tzinfo=timezone.utc))  # the past changes nothing
    assert clock.stamp() == "2999-01-01T00:00:00.000003Z"
