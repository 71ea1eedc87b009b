"""Timestamps as text, the way the real server writes and reads them (pydantic's ISO 8601 forms).

A base module: records hold their times as this text, so the store, the JSON encoder, the
validator and the handlers all read and write them here, and none depends on another for it.
"""

from __future__ import annotations

from datetime import datetime, timezone


def format_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with `Z`, as pydantic writes it for the real server: six fractional
    digits, none at all when the microseconds are zero (`2023-01-01T12:00:00Z`)."""
    utc = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds") + "Z"  # pads years below 1000


def echo_timestamp(moment: datetime) -> str:
    """A client's date-time as a create answer echoes it: with the offset it was sent with
    (`Z` for UTC), in pydantic's form. Later reads give the stored UTC text."""
    offset = moment.utcoffset()
    if offset is None or not offset:
        return format_timestamp(moment)
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")


def stamp_order(text: str) -> str:
    """A sort key for stored timestamp texts: a text without a fraction sorts as `.000000`."""
    return text if "." in text else text[:-1] + ".000000Z"


def parse_client_timestamp(text: str) -> datetime:
    """An ISO 8601 date-time as sent, naive meaning UTC, its offset kept. ValueError when it
    is no date-time or when its UTC form leaves years 1..9999 (nothing could store it)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range in UTC") from None
    return value


def parse_timestamp(text: str) -> datetime:
    """Read an ISO 8601 timestamp as UTC; naive means UTC. ValueError as for
    `parse_client_timestamp`."""
    return parse_client_timestamp(text).astimezone(timezone.utc)
