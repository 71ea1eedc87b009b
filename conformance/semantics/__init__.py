"""The API's meaning, checked against a live server: a registry of small semantic checks.

No schema says that pages partition a list, that `reverse` reverses it, that a filter
selects what it describes, or that a deleted session leaves every list. Each check is a
small function registered with `@semantic_check` (registry.py); it drives the server
through `HonchoApi`, judges the answers, and reports `Failure`s through its
`CheckContext` (context.py), with the curl of the offending request and the steps that
led to it. The checks live by theme: lists, writes, refusals, and what differs by version
(webhooks, recall, scopes: each applies where the version's contract and behaviour switches
say, version_needs.py); the records the list checks work on are the test world (world.py).

Checks marked `writes=False` only read (plus requests that must be rejected): they are
the ones `--read-only` runs, over data that already exists on the server.
"""

from __future__ import annotations

# importing the check modules registers their checks, in this order (the order they run in)
from conformance.semantics import list_checks  # noqa: F401  isort: skip
from conformance.semantics import write_checks  # noqa: F401  isort: skip
from conformance.semantics import error_checks  # noqa: F401  isort: skip
from conformance.semantics import webhook_checks  # noqa: F401  isort: skip
from conformance.semantics import recall_checks  # noqa: F401  isort: skip
from conformance.semantics import scope_checks  # noqa: F401  isort: skip
from conformance.semantics.context import CheckContext, StopCheck, ids, short
from conformance.semantics.registry import (
    REGISTRY,
    SemanticCheck,
    applicable,
    not_applicable,
    run_checks,
    semantic_check,
)

__all__ = ["REGISTRY", "CheckContext", "SemanticCheck", "StopCheck", "applicable", "ids", "not_applicable",
           "run_checks", "semantic_check", "short"]
