"""Messages as the store keeps them: the API's record, packed small.

A session can hold hundreds of thousands of messages, so a stored message costs what it
must and little more (bench/results.md, "Memory"):

- Its fields live in one packed array of eight values beside a key table that every
  message shares: the record is the `__dict__` of a throwaway `_MessageFields` object,
  which CPython (3.11 to 3.13) keeps as a split-table dict. It is an ordinary `dict` to
  every reader, and to orjson, which encodes it as fast as any other; it takes 136 bytes
  where a dict built from a literal takes 272. Adding a key unpacks it into an ordinary
  dict, so nothing depends on the packing but the memory figure.
- The text is the one string the request (or fixture) was parsed into, never copied;
  `peer_id` is the author's stored id and `created_at` the batch's one timestamp, shared
  by every message they mark.
- A message stored without metadata holds `NO_METADATA`, one shared empty dict that
  refuses changes: stored metadata is replaced whole (`update_message`), never edited in
  place, and a change in place would otherwise reach every such message at once.

The fields and their order are the API's `Message` as the store answers it.
"""

from __future__ import annotations

from typing import Any, Mapping, NoReturn

MESSAGE_FIELDS = ("id", "content", "peer_id", "session_id", "metadata", "created_at", "workspace_id", "token_count")


class _NoMetadata(dict):  # type: ignore[type-arg]
    """An empty dict that cannot be changed (orjson and json encode it as `{}`)."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a stored message's metadata is replaced whole, never changed in place")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, ())  # a copy (deepcopy, pickle) is an ordinary, changeable empty dict


NO_METADATA: dict[str, Any] = _NoMetadata()


class _MessageFields:
    """Never used as an object: each instance exists to give its `__dict__`, a message
    record whose keys sit in the table every instance of this class shares."""

    def __init__(self, id: str, content: str, peer_id: str, session_id: str, metadata: dict[str, Any],
                 created_at: str, workspace_id: str, token_count: int) -> None:
        self.id = id
        self.content = content
        self.peer_id = peer_id
        self.session_id = session_id
        self.metadata = metadata
        self.created_at = created_at
        self.workspace_id = workspace_id
        self.token_count = token_count


def message_record(id: str, content: str, peer_id: str, session_id: str, metadata: dict[str, Any] | None,
                   created_at: str, workspace_id: str, token_count: int) -> dict[str, Any]:
    """A stored message: a dict with the API's fields in the API's order, packed."""
    return _MessageFields(id, content, peer_id, session_id, metadata or NO_METADATA, created_at,
                          workspace_id, token_count).__dict__


def packed(record: Mapping[str, Any]) -> dict[str, Any]:
    """A message made elsewhere (a clone, a fixture, a state file) in the packed form; a
    record with other fields than a message's is kept as it is."""
    if tuple(record) != MESSAGE_FIELDS:
        return record if record.__class__ is dict else dict(record)
    return message_record(*record.values())
