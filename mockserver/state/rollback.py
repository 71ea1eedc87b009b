"""What a fixture load puts back should it fail half-way: the workspace as it was.

A load (state/fixtures.py) is checked whole before it is applied, so applying rarely fails;
but when it does, nothing may be left half-loaded. The copy to put back is made before
every load, so it must cost little when, as nearly always, it is thrown away:

- A load that only adds (no peer or session it mentions is stored yet: a fresh workspace's
  chunks, new sessions with new authors) changes no stored peer or session, so a copy of
  the workspace's own record and of its tables' entries, sharing every stored peer and
  session, is enough. Loading 100,000 sessions in chunks of 20,000 deep-copied the growing
  workspace each time: 339 MiB resident where the sessions need 205 (bench/results.md).
- A load that mentions a stored peer or session can change it in place (its members, its
  sessions, its cards), and those are linked to one another: the whole workspace is deep
  copied, sharing only the stored messages, which a load only adds to (each session's message
  table is copied, its records shared).
"""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any, Iterator, Mapping

from mockserver.state.store import SCOPE_PREFIX, WorkspaceState, copy_json


def rollback_copy(workspace: WorkspaceState, data: Mapping[str, Any]) -> WorkspaceState:
    """A copy of `workspace` to put back should loading `data` (its entry in a checked
    fixture document, which names each workspace once) into it fail."""
    peers, sessions = set(_peers_named(data)), set(_sessions_named(data))
    stored_sessions = workspace.sessions.keys() | workspace.deleted_sessions.keys()
    if peers.isdisjoint(workspace.peers.keys()) and sessions.isdisjoint(stored_sessions):
        # every field's container copied (a table keeps its `pick`), its stored peers and sessions shared
        entries = {f.name: copy.copy(getattr(workspace, f.name)) for f in fields(workspace)}
        return WorkspaceState(**{**entries, "record": copy_json(workspace.record)})
    memo: dict[int, Any] = {}
    for session in (*workspace.sessions.values(), *workspace.deleted_sessions.values()):
        memo[id(session.messages)] = session.messages.copy()
    return copy.deepcopy(workspace, memo)


def _peers_named(data: Mapping[str, Any]) -> Iterator[str]:
    """Every peer a workspace's part of a fixture document names: its peers, its sessions'
    peers and authors, its scopes (as their peers)."""
    for peer in data.get("peers") or ():
        yield str(peer["id"])
    for session in data.get("sessions") or ():
        yield from map(str, session.get("peers") or ())  # a list of ids or a map keyed by them
        for message in session.get("messages") or ():
            yield str(message["peer_id"])
    for scope in data.get("scopes") or ():
        yield SCOPE_PREFIX + str(scope["id"])


def _sessions_named(data: Mapping[str, Any]) -> Iterator[str]:
    """Every session it names: its sessions, and those its peers and scopes list."""
    for session in data.get("sessions") or ():
        yield str(session["id"])
    for holder in (*(data.get("peers") or ()), *(data.get("scopes") or ())):
        yield from map(str, holder.get("sessions") or ())
