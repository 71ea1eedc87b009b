"""What a Honcho version does that its contract cannot say: the behaviour switches.

Each version's `version.yaml` (its one place, beside its contract) sets every switch
below, each with the evidence for it. The mock acts on them (mockserver/handlers/), the
tester may read them to know what a version does by design; neither has to know which
version number a behaviour began with. A new difference between versions is a new field
here, set in every served version's file.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, Mapping, get_args, get_type_hints


class BehaviourError(ValueError):
    """A version file whose `behaviour` is incomplete or has a value no switch takes."""


@dataclass(frozen=True)
class Behaviour:
    """The behaviour switches of one Honcho version (docs/versions.md lists them)."""

    # A webhook endpoint whose URL names a private, loopback, link-local, reserved, multicast or
    # unspecified IP address literally (http://127.0.0.1/...) is refused with 422 `Value error,
    # Private/internal IP addresses are not allowed` (3.0.12), or accepted (3.0.7, whose check raised
    # its refusal inside the `try` that swallowed it). Host names are never resolved.
    webhook_refuses_internal_ip: bool
    # Chat and the representation take `filters` (only `session_id`: recall confined to those
    # sessions, anything else 422) and chat takes `response_format` (3.0.12); 3.0.7 has neither
    # field and ignores both keys. The contract declares the fields; this says the mock acts on them.
    recall_filters: bool
    # Conclusions carry `level` (`explicit` for those made through the API) (3.0.12).
    conclusion_level: bool
    # The scopes API (3.1-preview): scope peers (`scope.<name>`) behind the scopes routes, hidden
    # from peer lists unless `kind` asks and from session peer lists always, never observed (a
    # `scope.` name where a peer would be observed is 422, existing or not), never an author or a
    # session peer (422); `scope`/`sessions` on the reads, `scopes` on session create.
    scopes: bool
    # How a peer id that a request would make a peer of, outside a peer create's own body (message
    # authors, the peers of a session create or of the session peer routes), is refused: `model`
    # (3.0.7, 3.0.12: the server builds a PeerCreate of it, so a session create answers pydantic's
    # text, the add and set routes their 404) or `listed` (3.1-preview: one 422 listing every
    # refused id, `Peer name(s) [...] must match pattern ^[a-zA-Z0-9_-]+$`, after NUL bytes and
    # ids over 512 characters, which even a removal refuses).
    peer_name_refusals: Literal["model", "listed"]
    # Session context without a peer card when its representation is confined to sessions
    # (`limit_to_session`, or 3.1-preview's `sessions`): a card has no sessions to be confined to
    # (3.1-preview); 3.0.7 and 3.0.12 answer the card.
    confined_context_omits_card: bool
    # A recall allowlist (`filters.session_id`, 3.1-preview's `sessions`) holds session ids only:
    # 422 `Invalid session id in filters.session_id: '*'. ...` (3.1-preview); 3.0.12 takes any
    # non-empty string.
    allowlist_id_rule: bool
    # `NOT` over a comparison SQL finds NULL (an operator on a metadata key the record lacks, or holds
    # as null or empty) leaves the record out, as SQL's three-valued logic does (3.0.7, 3.0.12:
    # `NOT [{"metadata": {"tag": {"ne": "blue"}}}]` keeps only tag `blue`); 3.1-preview keeps it.
    filter_null_logic: bool

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], where: str) -> "Behaviour":
        """The switches of a version file; every one must be set, each to a value it takes."""
        if not isinstance(values, Mapping):
            raise BehaviourError(f"{where}: `behaviour` must be a mapping of switches")
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [name for name in names if name not in values]
        unknown = sorted(set(values) - set(names))
        if missing or unknown:
            raise BehaviourError(f"{where}: behaviour switches missing {missing or '-'}, unknown {unknown or '-'}")
        hints = get_type_hints(cls)
        chosen: dict[str, Any] = {}
        for name in names:
            entry = values[name]
            if not isinstance(entry, Mapping) or set(entry) != {"value", "why"} or not str(entry["why"]).strip():
                raise BehaviourError(f"{where}: behaviour `{name}` must be {{value: ..., why: <the evidence>}}")
            value = entry["value"]
            if not _fits(value, hints[name]):
                raise BehaviourError(f"{where}: behaviour `{name}` cannot be {value!r}")
            chosen[name] = value
        return cls(**chosen)


def _fits(value: Any, hint: Any) -> bool:
    options = get_args(hint)
    if options and getattr(hint, "__origin__", None) is Literal:
        return any(value == option and type(value) is type(option) for option in options)
    return isinstance(value, hint) and not (hint is int and isinstance(value, bool))
