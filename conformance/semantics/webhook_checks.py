"""Webhook endpoints as each version takes them: which URLs it refuses, and how deleting one ends.

3.0.12 (switch `webhook_refuses_internal_ip`) refuses a URL whose host is a private, loopback,
link-local, reserved, multicast or unspecified IP literal; 3.0.7 registers it. Every version
refuses a URL without scheme and host, or of another scheme than http(s), and answers a
delete of an endpoint it does not have with 404 (3.0.7 as well: recorded on both).
"""

from __future__ import annotations

from conformance.honcho import operations as ops
from conformance.semantics.context import CheckContext, short
from conformance.semantics.refusals import expect_invalid, expect_refused
from conformance.semantics.registry import semantic_check
from conformance.semantics.version_needs import operations

# A host that never resolves: an endpoint the run registers can never receive anything.
UNROUTABLE_URL = "https://conformance.invalid/hook"
# The IP literal a version that takes them registers: TEST-NET-1 (RFC 5737), routed nowhere.
DOCUMENTATION_URL = "http://192.0.2.1/hook"
# IP literals 3.0.12 refuses. The harmless one goes first: a server that registers it takes IP literals,
# and is not handed the others (loopback, a cloud's metadata address) as endpoints.
INTERNAL_URLS = (DOCUMENTATION_URL, "http://127.0.0.1:9/hook", "http://[::1]/hook", "http://0.0.0.0/hook",
                 "http://10.0.0.1/hook", "http://169.254.169.254/hook")
INTERNAL_REFUSAL = "Private/internal IP addresses are not allowed"
WEBHOOKS = operations(ops.WEBHOOK_CREATE, ops.WEBHOOK_LIST, ops.WEBHOOK_DELETE, what="webhook endpoint operations")


def _listed(ctx: CheckContext, workspace_id: str) -> list[str]:
    body = ctx.page(ctx.api.list_webhooks(workspace_id), what="Listing the workspace's webhook endpoints")
    return [str(item.get("id")) for item in body["items"] if isinstance(item, dict)]


@semantic_check("webhook_urls", "webhook URLs are refused as the version refuses them (a private or internal IP "
                "literal: 422 where `webhook_refuses_internal_ip`, registered where not)", applies=WEBHOOKS)
def webhook_urls(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id, _ = ctx.new_workspace("hookurl")
    expect_invalid(ctx, api.create_webhook(workspace_id, "conformance.invalid/hook"), "url", "Invalid URL format",
                   "a webhook URL without scheme and host")
    expect_invalid(ctx, api.create_webhook(workspace_id, "ftp://conformance.invalid/hook"), "url",
                   "Only HTTP and HTTPS URLs are allowed", "a webhook URL of another scheme")
    if ctx.behaviour is None:
        pass  # no switch says what the version does with IP literals
    elif ctx.behaviour.webhook_refuses_internal_ip:
        for url in INTERNAL_URLS:
            if not expect_invalid(ctx, api.create_webhook(workspace_id, url), "url", INTERNAL_REFUSAL,
                                  "a webhook URL naming a private or internal IP address"):
                break
    else:
        reply = api.create_webhook(workspace_id, DOCUMENTATION_URL)
        body = ctx.expect_status(reply, 200, 201, fatal=False,
                                 what=f"Registering {DOCUMENTATION_URL} (this version takes IP literals)")
        if isinstance(body, dict) and body.get("id"):
            ctx.check(body.get("url") == DOCUMENTATION_URL, "webhook endpoint answered with another URL",
                      f"registered {DOCUMENTATION_URL}, answered {short(body)}", reply=reply)
            ctx.expect_status(api.delete_webhook(workspace_id, str(body["id"])), 204, 200, fatal=False,
                              what="Deleting the endpoint just registered")
    left = _listed(ctx, workspace_id)
    ctx.check(not left, "a refused webhook URL was registered", f"the workspace lists endpoints {left}")
    for endpoint_id in left:
        api.delete_webhook(workspace_id, endpoint_id)


@semantic_check("webhook_delete", "a webhook endpoint is listed until deleted; deleting one that is not there is 404 "
                "`Webhook endpoint x not found for workspace w`", applies=WEBHOOKS)
def webhook_delete(ctx: CheckContext) -> None:
    api = ctx.api
    workspace_id, _ = ctx.new_workspace("hookdel")
    reply = api.create_webhook(workspace_id, UNROUTABLE_URL)
    body = ctx.expect_status(reply, 200, 201, what="Registering a webhook endpoint")
    endpoint_id = str(body.get("id")) if isinstance(body, dict) else ""
    ctx.check(bool(endpoint_id) and body.get("url") == UNROUTABLE_URL and body.get("workspace_id") == workspace_id,
              "webhook endpoint answer is not the endpoint registered", f"answered {short(body)}", reply=reply,
              fatal=True)
    ctx.check(_listed(ctx, workspace_id) == [endpoint_id], "registered webhook endpoint not listed",
              f"expected [{endpoint_id}]")
    ctx.expect_status(api.delete_webhook(workspace_id, endpoint_id), 204, 200, what="Deleting a webhook endpoint")
    left = _listed(ctx, workspace_id)
    ctx.check(left == [], "deleted webhook endpoint still listed", f"listed {left}")
    for missing in (endpoint_id, f"{ctx.workspaces.prefix}nohook"):
        expect_refused(ctx, api.delete_webhook(workspace_id, missing), 404,
                       f"Webhook endpoint {missing} not found for workspace {workspace_id}",
                       "deleting a webhook endpoint that is not there")
