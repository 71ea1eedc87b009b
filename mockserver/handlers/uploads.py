"""Messages from an uploaded file (multipart: file, peer_id, metadata/configuration/created_at).

Like the real server: the file becomes one message per text chunk, all from `peer_id`
with the same metadata and `created_at`; `metadata`, `configuration` and `created_at`
are JSON/ISO strings and one that does not parse (or metadata that is not an object)
is ignored; unknown peers and sessions are created as in message creation, and a
deleted session is a 404 (the store refuses writes to it). `configuration` is accepted
but, like message configuration elsewhere in the mock, not stored.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from mockserver.errors import ApiError
from mockserver.handler_interface import OperationResult, ParsedRequest
from mockserver.handlers.core import (
    check_joining_peers,
    echo_client_times,
    listed_refusals,
    require_peer_ids,
    well_formed,
)
from mockserver.handlers.registry import operation
from mockserver.honcho.file_text import (
    FileTooLarge,
    UnreadableFile,
    UnsupportedFileType,
    check_size,
    extract_text,
    split_text_into_chunks,
)
from mockserver.json_text import check_json_depth
from mockserver.state.store import Store
from mockserver.timestamps import parse_client_timestamp


@operation("create_messages_with_file_v3_workspaces__workspace_id__sessions__session_id__messages_upload_post")
def create_messages_with_file(store: Store, req: ParsedRequest) -> OperationResult:
    workspace_id, session_id = req.path["workspace_id"], req.path["session_id"]
    form = req.form
    upload = form["file"]
    content = upload.file.read()
    try:  # the real server reads the file first: its size and type are refused before any id is looked at
        check_size(len(content))
        text = extract_text(content, upload.content_type)
    except FileTooLarge as exc:
        raise ApiError(413, str(exc)) from None
    except UnsupportedFileType as exc:
        raise ApiError(415, str(exc)) from None
    except UnreadableFile as exc:
        raise ApiError(422, str(exc)) from None
    if not well_formed(req, "workspace_id", "session_id"):  # free in the contract: it cannot exist (the real server crashes)
        store.require_session(workspace_id, session_id)
    peer_id = form["peer_id"]
    if req.behaviour.scopes or listed_refusals(req):
        check_joining_peers(store, req, [peer_id], "Scope peers cannot author messages.")
    require_peer_ids({peer_id: None})
    metadata, created_at = _object(form.get("metadata")), _moment(form.get("created_at"))
    messages = [{"peer_id": peer_id, "content": chunk, "metadata": metadata, "created_at": created_at}
                for chunk in split_text_into_chunks(text)]
    records = store.create_messages(workspace_id, session_id, messages)
    return OperationResult(201, echo_client_times(records, [created_at] * len(records)))


def _object(text: Any) -> dict[str, Any] | None:
    """A JSON object form field; held to the JSON bodies' nesting cap (400 past it, before
    anything is stored), since the store copies, saves and answers it like a body."""
    if not isinstance(text, str) or not text:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    check_json_depth(value, raw=text.encode("utf-8", "surrogatepass"))
    return value if isinstance(value, dict) else None


def _moment(text: Any) -> datetime | None:
    try:
        return parse_client_timestamp(text) if isinstance(text, str) and text else None
    except ValueError:
        return None
