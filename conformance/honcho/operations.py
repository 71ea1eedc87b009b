"""Honcho's operations by operationId: which the Honcho phases need, which only read.

The ids are those of openapi.yaml (FastAPI makes them from the route's function and path);
calls on them live in api.py.
"""

from __future__ import annotations

import re

from conformance.core.openapi import Contract, Operation

WS_CREATE = "get_or_create_workspace_v3_workspaces_post"
WS_LIST = "get_all_workspaces_v3_workspaces_list_post"
WS_UPDATE = "update_workspace_v3_workspaces__workspace_id__put"
WS_DELETE = "delete_workspace_v3_workspaces__workspace_id__delete"
WS_SEARCH = "search_workspace_v3_workspaces__workspace_id__search_post"
PEER_CREATE = "get_or_create_peer_v3_workspaces__workspace_id__peers_post"
PEER_LIST = "get_peers_v3_workspaces__workspace_id__peers_list_post"
PEER_UPDATE = "update_peer_v3_workspaces__workspace_id__peers__peer_id__put"
PEER_SESSIONS = "get_sessions_for_peer_v3_workspaces__workspace_id__peers__peer_id__sessions_post"
SESSION_CREATE = "get_or_create_session_v3_workspaces__workspace_id__sessions_post"
SESSION_LIST = "get_sessions_v3_workspaces__workspace_id__sessions_list_post"
SESSION_UPDATE = "update_session_v3_workspaces__workspace_id__sessions__session_id__put"
SESSION_DELETE = "delete_session_v3_workspaces__workspace_id__sessions__session_id__delete"
SESSION_PEERS = "get_session_peers_v3_workspaces__workspace_id__sessions__session_id__peers_get"
PEER_CONFIG = "get_peer_config_v3_workspaces__workspace_id__sessions__session_id__peers__peer_id__config_get"
SESSION_CLONE = "clone_session_v3_workspaces__workspace_id__sessions__session_id__clone_post"
MSG_CREATE = "create_messages_for_session_v3_workspaces__workspace_id__sessions__session_id__messages_post"
MSG_LIST = "get_messages_v3_workspaces__workspace_id__sessions__session_id__messages_list_post"
MSG_GET = "get_message_v3_workspaces__workspace_id__sessions__session_id__messages__message_id__get"
MSG_UPDATE = "update_message_v3_workspaces__workspace_id__sessions__session_id__messages__message_id__put"
HEALTH = "health_check_health_get"
# What the checks of version-dependent behaviour call (webhooks, recall, and the 3.1 preview's scopes).
WEBHOOK_CREATE = "get_or_create_webhook_endpoint_v3_workspaces__workspace_id__webhooks_post"
WEBHOOK_LIST = "list_webhook_endpoints_v3_workspaces__workspace_id__webhooks_get"
WEBHOOK_DELETE = "delete_webhook_endpoint_v3_workspaces__workspace_id__webhooks__endpoint_id__delete"
REPRESENTATION = "get_representation_v3_workspaces__workspace_id__peers__peer_id__representation_post"
CHAT = "chat_v3_workspaces__workspace_id__peers__peer_id__chat_post"
CONCLUSIONS_CREATE = "create_conclusions_v3_workspaces__workspace_id__conclusions_post"
SESSION_CONTEXT = "get_session_context_v3_workspaces__workspace_id__sessions__session_id__context_get"
SCOPE_CREATE = "get_or_create_scope_v3_workspaces__workspace_id__scopes_post"
SCOPE_LIST = "get_scopes_v3_workspaces__workspace_id__scopes_list_post"
SCOPE_GET = "get_scope_v3_workspaces__workspace_id__scopes__scope_id__get"
SCOPE_ADD_SESSIONS = "add_sessions_to_scope_v3_workspaces__workspace_id__scopes__scope_id__sessions_post"
SCOPE_REMOVE_SESSION = ("remove_session_from_scope_v3_workspaces__workspace_id__scopes__scope_id__sessions__session_id"
                        "__delete")
SCOPE_SESSIONS = "get_scope_sessions_v3_workspaces__workspace_id__scopes__scope_id__sessions_list_post"
SCOPE_STATUS = "get_scope_status_v3_workspaces__workspace_id__scopes__scope_id__status_get"
SCOPE_OPERATIONS = (SCOPE_CREATE, SCOPE_LIST, SCOPE_GET, SCOPE_ADD_SESSIONS, SCOPE_REMOVE_SESSION, SCOPE_SESSIONS,
                    SCOPE_STATUS)

# What the Honcho phases and clean-up cannot run without.
HONCHO_OPERATIONS = (WS_CREATE, WS_LIST, WS_DELETE, SESSION_CREATE, SESSION_LIST, MSG_CREATE)
# Operations that never run unless asked for: they act outside any workspace.
OUTSIDE_WORKSPACES = ("create_key_v3_keys_post",)
# POST operations that only read (lists, searches, queries).
_READING_POST = re.compile(r"^(get_(?!or_create)|search_|list_|query_)")


def is_honcho(contract: Contract) -> bool:
    """Whether this is Honcho's contract: the operations the Honcho phases (semantic
    checks, the model, concurrency) and clean-up call are all there."""
    return all(op_id in contract.operations for op_id in HONCHO_OPERATIONS)


def reads_only(operation: Operation) -> bool:
    """A read (GET, or a POST that lists, searches or queries): what `--read-only` may send."""
    if operation.method == "get":
        return not operation.operation_id.startswith("test_emit")
    return operation.method == "post" and bool(_READING_POST.match(operation.operation_id))
