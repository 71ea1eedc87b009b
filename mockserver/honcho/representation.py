"""A peer's representation: what an observer knows of a peer, as markdown.

The real server renders a working representation with `Representation.format_as_markdown`
from observations: conclusions created through the API, and those its deriver (an LLM) draws
from every message whose representation task was the observer's (work_units.py: the sender
itself, and session peers with `observe_others`, unless reasoning is off or the sender is not
observed). Without an LLM the mock takes such a message as the observation it stands for,
quoted, so what a peer said shows at once and deterministically; a non-empty representation
reads

    ## Explicit Observations
    <blank line>
    [2026-01-01 00:00:00] alice likes tea
    [2026-01-01 00:00:05] alice said: "I drink green tea every morning"
    ...

and one with nothing to show is "" (an unknown peer, or one that said nothing observed:
as recorded, `{"representation": ""}`). Which observations:
- without `search_query`: the newest `max_conclusions` (default 100, the real server's
  WORKING_REPRESENTATION_MAX_OBSERVATIONS);
- with `search_query`: the `search_top_k` (default 10) most relevant (a message by its text) within
  `search_max_distance`, plus the newest ones when `include_most_frequent` (the mock
  keeps no derivation counts, so "most frequent" reads as "most recent"), at most
  `max_conclusions` in all; always listed oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection

from mockserver.honcho.conclusions import conclusions_about
from mockserver.honcho.text_search import rank
from mockserver.honcho.work_units import observed_messages
from mockserver.state.store import Store
from mockserver.timestamps import parse_timestamp, stamp_order

Record = dict[str, Any]
DEFAULT_MAX_CONCLUSIONS = 100
DEFAULT_SEARCH_TOP_K = 10


@dataclass(frozen=True)
class RepresentationQuery:
    """The curation options shared by representation, peer context and session context."""

    search_query: str | None = None
    search_top_k: int | None = None
    search_max_distance: float | None = None
    include_most_frequent: bool = False
    max_conclusions: int | None = None


def observations(store: Store, workspace_id: str, observer: str, observed: str,
                 session_id: str | None = None, sessions: Collection[str] | None = None) -> list[Record]:
    """Everything the observer knows of the observed peer, oldest first (only of `sessions`, when given): its
    conclusions, and the observed messages as `{"content": 'alice said: "..."', "text": <the message>, ...}`."""
    known = [{**c, "text": c["content"]}
             for c in conclusions_about(store, workspace_id, observer, observed, session_id, sessions)]
    known += [{"content": f'{observed} said: "{m["content"]}"', "text": m["content"], "created_at": m["created_at"]}
              for m in observed_messages(store, workspace_id, observer, observed, session_id)
              if sessions is None or m["session_id"] in sessions]
    known.sort(key=lambda record: stamp_order(record["created_at"]))  # stable: conclusions first at one time
    return known


def select(store: Store, workspace_id: str, observer: str, observed: str, options: RepresentationQuery,
           session_id: str | None = None, sessions: Collection[str] | None = None) -> list[Record]:
    """The observations a representation shows, oldest first (only of `sessions`, when given)."""
    known = observations(store, workspace_id, observer, observed, session_id, sessions)
    cap = options.max_conclusions or DEFAULT_MAX_CONCLUSIONS
    if options.search_query is None:
        return known[-cap:]
    chosen = rank(known, options.search_query, lambda r: r["text"],
                  limit=options.search_top_k or DEFAULT_SEARCH_TOP_K, max_distance=options.search_max_distance)
    if options.include_most_frequent:
        picked = {id(r) for r in chosen}
        chosen += [r for r in reversed(known) if id(r) not in picked]
    kept = {id(r) for r in chosen[:cap]}
    return [r for r in known if id(r) in kept]


def render(conclusions: list[Record]) -> str:
    """Markdown in the real server's format; "" when nothing is known."""
    if not conclusions:
        return ""
    lines = ["## Explicit Observations\n"]
    lines += [f"[{_stamp(c['created_at'])}] {c['content']}" for c in conclusions]
    lines.append("")
    return "\n".join(lines)


def representation(store: Store, workspace_id: str, observer: str, observed: str, options: RepresentationQuery,
                   session_id: str | None = None, sessions: Collection[str] | None = None) -> str:
    return render(select(store, workspace_id, observer, observed, options, session_id, sessions))


def _stamp(stored: str) -> str:
    """A stored timestamp in UTC without sub-seconds, as the real server prints observation times."""
    return str(parse_timestamp(stored).replace(microsecond=0, tzinfo=None))
