"""Checks of refusals: invalid requests get 422 and change nothing; what does not exist is not found."""

from __future__ import annotations

import re

from conformance.core.routes import Routes
from conformance.honcho import operations as ops
from conformance.semantics.context import CheckContext, ids, short
from conformance.semantics.registry import semantic_check


# --------------------------------------------------------------------------- checks: errors
@semantic_check("validation_rejected", "invalid requests are rejected with 422 and change nothing", writes=False)
def validation_rejected(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id = f"{ctx.workspaces.prefix}-absent"
    for params, where in (({"size": 0}, "size"), ({"size": 101}, "size"), ({"page": 0}, "page")):
        reply = api.list_sessions(workspace_id, **params)
        body = reply.json()
        ok = reply.status == 422 and isinstance(body, dict) and isinstance(body.get("detail"), list) and any(
            isinstance(e, dict) and e.get("loc") == ["query", where] for e in body["detail"])
        ctx.check(ok, "out-of-range page or size not rejected as a validation error",
                  f"{params} should answer 422 with a detail item at ['query', '{where}']; "
                  f"answered {reply.exchange.response_excerpt()}", reply=reply)
    bad_ids = [f"{ctx.workspaces.prefix}-bad id!", f"{ctx.workspaces.prefix}-typed"]
    for body_sent in ({"id": bad_ids[0]}, {"id": bad_ids[1], "metadata": "nope"}, {}):
        reply = api.client.post("/v3/workspaces", json=body_sent)
        reply.operation = ops.WS_CREATE
        body = reply.json()
        ctx.check(reply.status == 422 and isinstance(body, dict) and isinstance(body.get("detail"), list),
                  "invalid workspace accepted or wrongly rejected",
                  f"{short(body_sent)} should answer 422 with a list detail; answered {reply.exchange.response_excerpt()}",
                  reply=reply)
    reply = api.client.post("/v3/workspaces", content=b"not json", headers={"Content-Type": "application/json"})
    reply.operation = ops.WS_CREATE
    ctx.check(reply.status == 422, "malformed JSON not rejected with 422", f"answered {reply.exchange.response_excerpt()}",
              reply=reply)
    reply = api.create_messages(workspace_id, "s", [])
    ctx.check(reply.status == 422, "empty message batch not rejected with 422",
              f"answered {reply.exchange.response_excerpt()}", reply=reply)
    reply = api.list_workspaces(filters={"id": {"in": bad_ids + [workspace_id]}})
    got = ids(ctx.page(reply)["items"])
    ctx.check(got == [], "a rejected request left something behind", f"listed {got}", reply=reply)
    for leftover in got:
        ctx.workspaces.add(leftover)


@semantic_check("missing_resources", "what does not exist: 404 for records, empty pages for lists", writes=False)
def missing_resources(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id = f"{ctx.workspaces.prefix}-nowhere"
    for reply in (api.list_sessions(workspace_id), api.list_peers(workspace_id), api.list_messages(workspace_id, "nosuch")):
        body = ctx.page(reply)
        ctx.check(body["items"] == [] and body["total"] == 0 and body["pages"] == 0,
                  "list under a missing parent is not an empty page", f"answered {short(body)}", reply=reply)
    reply = api.get_message(workspace_id, "nosuch", "nosuchmessage")
    body = reply.json()
    ctx.check(reply.status == 404 and isinstance(body, dict) and isinstance(body.get("detail"), str),
              "missing message is not a 404 with a string detail", f"answered {reply.exchange.response_excerpt()}",
              reply=reply)
    if not ctx.read_only:
        reply = api.delete_session(workspace_id, "nosuch")
        ctx.check(reply.status == 404, "deleting a missing session is not a 404",
                  f"answered {reply.exchange.response_excerpt()}", reply=reply)


# Methods the contract may not declare on a path; one of them probes the path's 405.
PROBE_METHODS = ("PATCH", "PUT", "DELETE", "GET", "POST")


@semantic_check("method_not_allowed", "a method a path does not have is 405, whose Allow names every method it has",
                writes=False)
def method_not_allowed(ctx: CheckContext) -> None:
    """Honcho 3.0.7 names one method only (`PATCH /v3/workspaces/x` -> `allow: PUT` where PUT
    and DELETE exist): a client reading Allow would never find the others."""
    if ctx.contract is None:
        return
    routes = Routes(ctx.contract)
    workspace_id = f"{ctx.workspaces.prefix}-allow"
    for template in ctx.contract.paths:
        own = ctx.contract.methods_of(template)
        probe = next((m for m in PROBE_METHODS if m not in own), None)
        if probe is None or not own:
            continue
        path = re.sub(r"\{([^}]+)\}", lambda m: workspace_id if m.group(1) == "workspace_id" else "x1", template)
        expected = routes.allowed_methods(path)
        if probe in expected:
            continue  # another path of the contract takes this method here (e.g. `{id}` and `list`)
        reply = ctx.api.client.request(probe, path)
        reply.operation = f"{probe} {template}"
        allow = {m.strip().upper() for m in reply.headers.get("allow", "").split(",") if m.strip()}
        ctx.check(reply.status == 405, "a method the path does not have is not 405",
                  f"{probe} {path} answered {reply.exchange.response_excerpt()}", reply=reply, operation=f"{probe} {template}")
        if reply.status == 405:
            ctx.check(expected <= allow, "405 Allow header does not name every method of the path",
                      f"{probe} {path}: Allow is {reply.headers.get('allow')!r}; the path has {', '.join(sorted(expected))}",
                      reply=reply, operation=f"{probe} {template}")


@semantic_check("declared_rules", "a request breaking a rule the contract declares over query parameters is refused")
def declared_rules(ctx: CheckContext) -> None:
    """`x-dependentRequired` (docs/contract.md): a parameter given without its companions is
    a request the contract refuses, whatever schemathesis' generated data could show."""
    rules = [(op.path, op.method, op.definition) for op in (ctx.contract.operations.values() if ctx.contract else ())
             if isinstance(op.definition.get("x-dependentRequired"), dict)]
    if not rules:
        return
    api = ctx.api
    workspace_id, _ = ctx.new_workspace("rule")
    # one name for the session and its peer, so that a parameter naming either names one that exists
    ctx.expect_status(api.create_session(workspace_id, "rp", peers={"rp": {}}), 201, what="Creating a new session")
    values = {"workspace_id": workspace_id, "session_id": "rp", "peer_id": "rp"}
    for template, method, op in rules:
        path = re.sub(r"\{([^}]+)\}", lambda m: values.get(m.group(1), "x1"), template)
        for trigger, companions in op["x-dependentRequired"].items():
            reply = api.client.request(method.upper(), path, params={trigger: "rp"})
            reply.operation = str(op.get("operationId", f"{method.upper()} {template}"))
            ctx.check(400 <= reply.status < 500 and reply.status != 404,
                      "a request breaking a declared rule was not refused",
                      f"{method.upper()} {path}?{trigger}=rp without {', '.join(companions)} "
                      f"(x-dependentRequired) answered {reply.exchange.response_excerpt()}", reply=reply)
            reply = api.client.request(method.upper(), path, params={trigger: "rp", **{c: "rp" for c in companions}})
            reply.operation = str(op.get("operationId", f"{method.upper()} {template}"))
            # 404: something the value names does not exist (a scope), which is no refusal by the rule
            ctx.check(reply.status < 400 or reply.status == 404, "a request keeping a declared rule was refused",
                      f"{method.upper()} {path} with {trigger} and {', '.join(companions)} answered "
                      f"{reply.exchange.response_excerpt()}", reply=reply)
