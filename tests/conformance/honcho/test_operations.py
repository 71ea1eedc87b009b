"""Which of Honcho's operations only read (what --read-only may send)."""

from __future__ import annotations

from support import ROOT

from conformance.core.openapi import Contract
from conformance.honcho.operations import reads_only


def test_read_operations_are_classified() -> None:
    spec = Contract.load(ROOT / "openapi.yaml")
    reads = {op.operation_id for op in spec.operations.values() if reads_only(op)}
    assert "get_sessions_v3_workspaces__workspace_id__sessions_list_post" in reads
    assert "get_or_create_workspace_v3_workspaces_post" not in reads
    assert "delete_session_v3_workspaces__workspace_id__sessions__session_id__delete" not in reads
    assert not any(op.startswith(("chat_", "test_emit", "schedule_")) for op in reads)
