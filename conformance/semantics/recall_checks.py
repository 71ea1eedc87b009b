"""Recall options as each version takes them (switch `recall_filters`): 3.0.12 on confines chat and
the representation to the sessions `filters.session_id` names, refuses any other filter in Honcho's
words, and judges chat's `response_format` (a JSON Schema of the subset it supports); 3.0.7 has
neither key and ignores both. Chat is only sent where it must be refused before any model runs:
a check never pays for a language model's answer."""

from __future__ import annotations

from conformance.core.client import Reply
from conformance.honcho import operations as ops
from conformance.semantics.context import CheckContext, short, words
from conformance.semantics.refusals import expect_refused
from conformance.semantics.registry import semantic_check
from conformance.semantics.version_needs import switches

RECALL = switches(ops.REPRESENTATION, ops.SESSION_CREATE, what="representation operation")
# Filters a version with `recall_filters` refuses, and the words of its 422.
REFUSED_FILTERS = (({}, "filters must contain 'session_id'"),
                   ({"topic": 1}, "Unsupported filter key(s) for this endpoint: ['topic']"),
                   ({"session_id": 5}, "filters.session_id must be a session id, a list of session ids"))
# response_format values its chat refuses before answering, and the words of its 422.
REFUSED_FORMATS = (({"type": "string"}, "Invalid response_format: root schema must have type 'object'"),
                   ({"type": "object", "properties": {"a": {"allOf": [{"type": "string"}]}}},
                    "Invalid response_format: unsupported construct 'allOf' at properties.a"))


def representation_text(ctx: CheckContext, reply: Reply, what: str) -> str:
    """The `representation` string of a 200 answer ("" after a failure, which is reported)."""
    body = ctx.expect_status(reply, 200, fatal=False, what=what)
    text = body.get("representation") if isinstance(body, dict) else None
    ctx.check(body is None or isinstance(text, str), "representation answer has no representation string",
              f"answered {short(body)}", reply=reply)
    return text if isinstance(text, str) else ""


def make_conclusions(ctx: CheckContext, workspace_id: str, peer_id: str, by_session: dict[str, str]) -> bool:
    """Explicit conclusions of a peer about itself, one per session; False when the server cannot make
    them (a real server without an embedding provider answers 500: the contract phase reports that)."""
    if ops.CONCLUSIONS_CREATE not in (ctx.contract.operations if ctx.contract else {}):
        return False
    reply = ctx.api.create_conclusions(workspace_id, [
        {"content": content, "observer_id": peer_id, "observed_id": peer_id, "session_id": session_id}
        for session_id, content in by_session.items()])
    return reply.status in (200, 201)


@semantic_check("recall_filters", "chat and the representation take `filters` (only session_id, recall confined to "
                "those sessions) and chat a `response_format` where the version has them; other keys are 422 in "
                "Honcho's words; a version without them ignores both", applies=RECALL)
def recall_filters(ctx: CheckContext) -> None:
    api = ctx.api
    assert ctx.behaviour is not None
    workspace_id, _ = ctx.new_workspace("recall")
    for session_id in ("s1", "s2"):
        ctx.expect_status(api.create_session(workspace_id, session_id, peers={"alice": {}}), 201,
                          what="Creating a session")
    if not ctx.behaviour.recall_filters:
        for filters, _ in REFUSED_FILTERS[:2]:
            representation_text(ctx, api.representation(workspace_id, "alice", {"filters": filters}),
                                f"A representation with filters {short(filters)} (this version ignores the key)")
        return
    refused = [expect_refused(ctx, api.representation(workspace_id, "alice", {"filters": filters}), 422, refusal,
                              "a representation with an unsupported filter") for filters, refusal in REFUSED_FILTERS]
    outside_own = {"filters": {"session_id": "s1"}, "session_id": "s2"}
    expect_refused(ctx, api.representation(workspace_id, "alice", outside_own), 422,
                   "session_id must be included in filters.session_id",
                   "a representation of a session outside its own filters")
    if all(refused) and ctx.contract is not None and ops.CHAT in ctx.contract.operations:  # else chat may run a model
        expect_refused(ctx, api.chat(workspace_id, "alice", {"query": "hello", "filters": {}}), 422,
                       REFUSED_FILTERS[0][1], "chat with an unsupported filter")
        for response_format, refusal in REFUSED_FORMATS:
            expect_refused(ctx, api.chat(workspace_id, "alice", {"query": "hello", "response_format": response_format}),
                           422, refusal, "chat with a response_format outside the supported subset")
    inside, outside = words(ctx.rng, 3), f"{words(ctx.rng, 2)} outsider"
    if not make_conclusions(ctx, workspace_id, "alice", {"s1": inside, "s2": outside}):
        return
    for filters in ({"session_id": "s1"}, {"session_id": ["s1"]}, {"session_id": {"in": ["s1"]}}):
        text = representation_text(ctx, api.representation(workspace_id, "alice", {"filters": filters}),
                                   f"A representation confined by filters {short(filters)}")
        ctx.check(outside not in text, "representation recalls a session its filters leave out",
                  f"filters {short(filters)} confine recall to s1; the representation shows s2's conclusion "
                  f"{outside!r}: {short(text)}")
