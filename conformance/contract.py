"""The contract as the suite needs it: operations by id, labels, and which ones only read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
# POST operations that only read (lists, searches, queries).
_READING_POST = re.compile(r"^(get_(?!or_create)|search_|list_|query_)")
# Operations that never run unless asked for: they act outside any workspace.
OUTSIDE_WORKSPACES = ("create_key_v3_keys_post",)
# What the Honcho phases and clean-up cannot run without (their operationIds in openapi.yaml).
HONCHO_OPERATIONS = (
    "get_or_create_workspace_v3_workspaces_post",
    "get_all_workspaces_v3_workspaces_list_post",
    "delete_workspace_v3_workspaces__workspace_id__delete",
    "get_or_create_session_v3_workspaces__workspace_id__sessions_post",
    "get_sessions_v3_workspaces__workspace_id__sessions_list_post",
    "create_messages_for_session_v3_workspaces__workspace_id__sessions__session_id__messages_post",
)
HONCHO_PHASES = ("semantics", "model", "concurrency")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    definition: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def reads_only(self) -> bool:
        if self.method == "get":
            return not self.operation_id.startswith("test_emit")
        return self.method == "post" and bool(_READING_POST.match(self.operation_id))


class Contract:
    def __init__(self, document: dict[str, Any], path: Path | None = None) -> None:
        self.document = document
        self.path = path

    @classmethod
    def load(cls, path: str | Path) -> "Contract":
        path = Path(path)
        with path.open("rb") as fh:
            document = yaml.safe_load(fh)
        if not isinstance(document, dict) or "paths" not in document:
            raise ValueError(f"{path} is not an OpenAPI document")
        return cls(document, path)

    @cached_property
    def operations(self) -> dict[str, Operation]:
        found: dict[str, Operation] = {}
        for path, item in self.document.get("paths", {}).items():
            for method in HTTP_METHODS:
                definition = item.get(method)
                if isinstance(definition, dict):
                    op_id = definition.get("operationId") or f"{method}_{path}"
                    found[op_id] = Operation(op_id, method, path, definition)
        return found

    def by_label(self, label: str) -> Operation | None:
        for op in self.operations.values():
            if op.label == label:
                return op
        return None

    def label_of(self, operation_id: str) -> str:
        op = self.operations.get(operation_id)
        return op.label if op else operation_id

    @property
    def is_honcho(self) -> bool:
        """Whether this is Honcho's contract: the operations the Honcho phases (semantic
        checks, the model, concurrency) and clean-up call are all there."""
        return all(op_id in self.operations for op_id in HONCHO_OPERATIONS)

    @property
    def version(self) -> str:
        return str(self.document.get("info", {}).get("version", ""))
