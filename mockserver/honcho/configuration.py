"""Resolved configuration: session over workspace over the server's defaults.

The contract's WorkspaceConfiguration/SessionConfiguration say "Session-level
configuration overrides workspace-level configuration, which overrides global
configuration". Summaries and the work queue need the resolved values; the defaults
are the real server's (SUMMARY_MESSAGES_PER_SHORT_SUMMARY=20, ..._LONG_SUMMARY=60,
reasoning and summaries enabled, peers observed unless configured otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

DEFAULT_MESSAGES_PER_SHORT_SUMMARY = 20
DEFAULT_MESSAGES_PER_LONG_SUMMARY = 60


def resolve(section: str, key: str, default: Any, *records: Mapping[str, Any] | None) -> Any:
    """The first non-null `configuration[section][key]` of the records, most specific first."""
    for record in records:
        value = ((record or {}).get("configuration") or {}).get(section)
        if isinstance(value, Mapping) and value.get(key) is not None:
            return value[key]
    return default


@dataclass(frozen=True)
class SummarySettings:
    enabled: bool
    messages_per_short: int
    messages_per_long: int


def summary_settings(session: Mapping[str, Any], workspace: Mapping[str, Any] | None) -> SummarySettings:
    """Summary settings for a session; a non-positive interval falls back to the default."""
    short = resolve("summary", "messages_per_short_summary", DEFAULT_MESSAGES_PER_SHORT_SUMMARY, session, workspace)
    long = resolve("summary", "messages_per_long_summary", DEFAULT_MESSAGES_PER_LONG_SUMMARY, session, workspace)
    return SummarySettings(
        enabled=bool(resolve("summary", "enabled", True, session, workspace)),
        messages_per_short=short if isinstance(short, int) and short > 0 else DEFAULT_MESSAGES_PER_SHORT_SUMMARY,
        messages_per_long=long if isinstance(long, int) and long > 0 else DEFAULT_MESSAGES_PER_LONG_SUMMARY,
    )


def reasoning_enabled(session: Mapping[str, Any], workspace: Mapping[str, Any] | None) -> bool:
    return bool(resolve("reasoning", "enabled", True, session, workspace))


def observes_sender(session_peer: Mapping[str, Any] | None, peer: Mapping[str, Any] | None) -> bool:
    """Whether a sender's messages are observed: session-peer `observe_me`, else the peer's, else yes."""
    if session_peer and session_peer.get("observe_me") is not None:
        return bool(session_peer["observe_me"])
    value = ((peer or {}).get("configuration") or {}).get("observe_me")
    return True if value is None else bool(value)
