"""A peer's representation: the conclusions an observer holds about a peer, as markdown.

The real server renders a working representation with `Representation.format_as_markdown`;
conclusions created through the API are "explicit" observations, so a non-empty
representation reads

    ## Explicit Observations
    <blank line>
    [2026-01-01 00:00:00] alice likes tea
    ...

and an empty one is "" (as recorded: `{"representation": ""}`). Which conclusions:
- without `search_query`: the newest `max_conclusions` (default 100, the real server's
  WORKING_REPRESENTATION_MAX_OBSERVATIONS);
- with `search_query`: the `search_top_k` (default 10) most relevant within
  `search_max_distance`, plus the newest ones when `include_most_frequent` (the mock
  keeps no derivation counts, so "most frequent" reads as "most recent"), at most
  `max_conclusions` in all; always listed oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection

from mockserver.honcho.conclusions import conclusions_about
from mockserver.honcho.text_search import rank
from mockserver.state.store import Store
from mockserver.timestamps import parse_timestamp

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


def select(store: Store, workspace_id: str, observer: str, observed: str, options: RepresentationQuery,
           session_id: str | None = None, sessions: Collection[str] | None = None) -> list[Record]:
    """The conclusions a representation shows, oldest first (only of `sessions`, when given)."""
    known = conclusions_about(store, workspace_id, observer, observed, session_id, sessions)
    cap = options.max_conclusions or DEFAULT_MAX_CONCLUSIONS
    if options.search_query is None:
        return known[-cap:]
    chosen = rank(known, options.search_query, lambda r: r["content"],
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
