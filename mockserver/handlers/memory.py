"""What Honcho knows about peers: conclusions, representations, peer cards, context, chat."""

from __future__ import annotations

import json
from typing import Any, Iterator, Sequence

from mockserver.handler_interface import OperationResult, ParsedRequest
from mockserver.handlers.context import representation_query
from mockserver.errors import ApiError
from mockserver.handlers.core import listed_refusals, require_ids, well_formed
from mockserver.handlers.registry import filters_of, operation, paginate
from mockserver.honcho import cards, conclusions, dialectic, scopes
from mockserver.honcho.recall_filters import session_allowlist
from mockserver.honcho.response_format import check_response_format, shaped_answer
from mockserver.honcho.representation import representation
from mockserver.state.store import NotFound, Store


# -- conclusions ------------------------------------------------------------------------
@operation("create_conclusions_v3_workspaces__workspace_id__conclusions_post")
def create_conclusions(store: Store, req: ParsedRequest) -> OperationResult:
    if not well_formed(req, "workspace_id"):  # it cannot exist: 404, as the real server answers
        raise NotFound(f"Workspace {req.path['workspace_id']} not found")
    refuse = None
    if req.behaviour.scopes:  # checked once every peer named is found: a conclusion is never about a scope
        def refuse() -> None:
            scopes.refuse_observed(store, req.path["workspace_id"], [c["observed_id"] for c in req.body["conclusions"]],
                                   "No conclusion is ever formed about a scope.")
    return OperationResult(201, conclusions.create_conclusions(store, req.path["workspace_id"], req.body["conclusions"],
                                                               with_level=req.behaviour.conclusion_level, check=refuse))


@operation("list_conclusions_v3_workspaces__workspace_id__conclusions_list_post")
def list_conclusions(store: Store, req: ParsedRequest) -> OperationResult:
    return OperationResult(200, paginate(conclusions.list_conclusions(store, req.path["workspace_id"], filters_of(req.body)), req.query))


@operation("query_conclusions_v3_workspaces__workspace_id__conclusions_query_post")
def query_conclusions(store: Store, req: ParsedRequest) -> OperationResult:
    body = req.body
    return OperationResult(200, conclusions.query_conclusions(store, req.path["workspace_id"], body["query"], body.get("filters"),
                                                    body.get("top_k") or 10, body.get("distance")))


@operation("delete_conclusion_v3_workspaces__workspace_id__conclusions__conclusion_id__delete")
def delete_conclusion(store: Store, req: ParsedRequest) -> OperationResult:
    conclusions.delete_conclusion(store, req.path["workspace_id"], req.path["conclusion_id"])
    return OperationResult(204, media_type=None)


# -- representation, card, peer context -------------------------------------------------
@operation("get_representation_v3_workspaces__workspace_id__peers__peer_id__representation_post")
def get_representation(store: Store, req: ParsedRequest) -> OperationResult:
    """An unknown peer has learned nothing: 200 `{"representation": ""}`, as the real server
    answers (second round); an unknown `session_id` is a 404."""
    workspace_id, peer_id = req.path["workspace_id"], req.path["peer_id"]
    body = req.body or {}
    refuse_observed_peers(store, req, (peer_id, body.get("target")),
                          scopes.NOT_A_REPRESENTATION_OF.format(what="a representation observer or target"))
    allowed = recall_sessions(req)
    observer, scoped = scope_option(store, req)
    allowed = scoped if scoped is not None else allowed
    if store.peer(workspace_id, peer_id) is None:
        return OperationResult(200, {"representation": ""})
    session_id = body.get("session_id") or None  # "" names no session, as on the real server
    if session_id is not None:
        store.require_session(workspace_id, session_id)
    text = representation(store, workspace_id, observer or peer_id, body.get("target") or peer_id,
                          representation_query(body, False), session_id, None if session_id else allowed)
    return OperationResult(200, {"representation": text})


@operation("get_peer_card_v3_workspaces__workspace_id__peers__peer_id__card_get")
def get_peer_card(store: Store, req: ParsedRequest) -> OperationResult:
    workspace_id, peer_id = req.path["workspace_id"], req.path["peer_id"]
    cards.require_peer(store, workspace_id, peer_id)
    return OperationResult(200, {"peer_card": cards.get_card(store, workspace_id, peer_id, req.query.get("target"))})


@operation("set_peer_card_v3_workspaces__workspace_id__peers__peer_id__card_put")
def set_peer_card(store: Store, req: ParsedRequest) -> OperationResult:
    target = req.query.get("target")
    if req.behaviour.scopes and target is not None:
        scopes.refuse_observed(store, req.path["workspace_id"], [target], "No peer card is ever formed about a scope.")
    if listed_refusals(req):
        require_ids(req, "workspace_id")
        scopes.refuse_new_peer_names(store, req.path["workspace_id"], [req.path["peer_id"]])
    else:
        require_ids(req, "workspace_id", "peer_id")
    card = cards.set_card(store, req.path["workspace_id"], req.path["peer_id"], req.body["peer_card"], req.query.get("target"))
    return OperationResult(200, {"peer_card": card})


@operation("get_peer_context_v3_workspaces__workspace_id__peers__peer_id__context_get")
def get_peer_context(store: Store, req: ParsedRequest) -> OperationResult:
    workspace_id, peer_id = req.path["workspace_id"], req.path["peer_id"]
    refuse_observed_peers(store, req, (peer_id, req.query.get("target")), "Use the `scope` option on the read routes instead.")
    cards.require_peer(store, workspace_id, peer_id)
    target = req.query.get("target") or peer_id
    text = representation(store, workspace_id, peer_id, target, representation_query(req.query, True))
    return OperationResult(200, {"peer_id": peer_id, "target_id": target, "representation": text,
                       "peer_card": cards.get_card(store, workspace_id, peer_id, target)})


# -- chat -------------------------------------------------------------------------------
@operation("chat_v3_workspaces__workspace_id__peers__peer_id__chat_post")
def chat(store: Store, req: ParsedRequest) -> OperationResult:
    """The peer is created if missing, as on the real server; a `session_id` naming no session is 404
    (recorded, nothing created), unless the answer is streamed; `stream` answers SSE."""
    workspace_id, peer_id = req.path["workspace_id"], req.path["peer_id"]
    body = req.body
    refuse_observed_peers(store, req, (peer_id, body.get("target")),
                          scopes.NOT_A_REPRESENTATION_OF.format(what="a chat observer or target"))
    observer, scoped = scope_option(store, req)
    allowed = recall_sessions(req)
    allowed = scoped if scoped is not None else allowed
    if req.behaviour.recall_filters:
        check_response_format(body.get("response_format"))
    if listed_refusals(req):
        require_ids(req, "workspace_id")
        scopes.refuse_new_peer_names(store, workspace_id, [peer_id])
    else:
        require_ids(req, "workspace_id", "peer_id")
    session_id = body.get("session_id") or None
    if session_id is not None and not body.get("stream"):
        # a streamed answer has started (200) before the session is looked up; a refused one changes nothing
        # (the real server has created the peer by then: the mock keeps a refusal free of effects)
        store.require_session(workspace_id, session_id)
    store.get_or_create_peer(workspace_id, peer_id)
    content = dialectic.answer(store, workspace_id, observer or peer_id, body.get("target") or peer_id, body["query"],
                               body.get("session_id"), allowed)
    if req.behaviour.recall_filters and body.get("response_format") is not None:
        content = shaped_answer(body["response_format"], content)
    if body.get("stream"):
        return OperationResult(200, media_type="text/event-stream", stream=sse_events(content))
    return OperationResult(200, {"content": content})


def recall_sessions(req: ParsedRequest) -> list[str] | None:
    """The sessions a chat or representation may recall from (`filters`, where the version takes
    it: behaviour recall_filters); None: every session."""
    body = req.body or {}
    if not req.behaviour.recall_filters:
        return None
    return session_allowlist(body.get("filters"), must_include=body.get("session_id"),
                             id_rule=req.behaviour.allowlist_id_rule)


def refuse_observed_peers(store: Store, req: ParsedRequest, names: tuple[str | None, ...], action: str) -> None:
    """A `scope.` name where a representation would be formed of it (3.1-preview): 422."""
    if req.behaviour.scopes:
        reserved = [n for n in names if n is not None and scopes.is_reserved(n)]
        if reserved:
            scopes.refuse_observed(store, req.path["workspace_id"], reserved, action)


def scope_option(store: Store, req: ParsedRequest) -> tuple[str | None, list[str] | None]:
    """The `scope` of a chat or representation (3.1-preview): one scope reads as that scope (its
    peer becomes the observer), a list confines recall to the union of their sessions. Not with
    `filters` or a `session_id` (422); an unknown scope is 404."""
    body = req.body or {}
    scope = body.get("scope") if req.behaviour.scopes else None
    if scope is None:
        return None, None
    if body.get("filters") is not None:
        raise ApiError(422, "`scope` and `filters` are mutually exclusive")
    if body.get("session_id"):
        raise ApiError(422, "`scope` and `session_id` are mutually exclusive")
    workspace_id = req.path["workspace_id"]
    if isinstance(scope, str):
        return scopes.require_scope(store, workspace_id, scope), None
    return None, scopes.member_sessions(store, workspace_id, scope)


def sse_events(content: str | None) -> Iterator[bytes]:
    """The real server's frames: one `{"delta": {"content": ...}, "done": false}` per chunk, then `{"done": true}`."""
    for piece in dialectic.pieces(content or ""):
        yield f"data: {json.dumps({'delta': {'content': piece}, 'done': False})}\n\n".encode()
    yield f"data: {json.dumps({'done': True})}\n\n".encode()

