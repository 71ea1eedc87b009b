"""Checks of lists: every record found, pages that partition, `reverse`, filters."""

from __future__ import annotations

import json
import math
from typing import Any

from conformance.honcho import api as A
from conformance.honcho.filter_generator import invalid_filters, random_filter
from conformance.honcho.filters_reference import FilterError, Undefined, evaluate
from conformance.semantics.context import (
    LIST_PAGE,
    MAX_LIST_PAGES,
    CheckContext,
    Collection,
    ids,
    short,
)
from conformance.semantics.registry import semantic_check
from conformance.semantics.world import full_list


# --------------------------------------------------------------------------- checks: lists
@semantic_check("created_found", "every created record is listed exactly once, as created, and found by its id",
                uses_world=True)
def created_found(ctx: CheckContext) -> None:
    world = ctx.world
    assert world is not None
    for collection in world.collections:
        created = collection.created
        if not created:
            continue
        listed = full_list(ctx, collection)
        listed_by_id: dict[str, list[dict[str, Any]]] = {}
        for item in listed:
            listed_by_id.setdefault(str(item.get("id")), []).append(item)
        for record in created:
            found = listed_by_id.get(str(record.get("id")), [])
            if not found:
                ctx.fail("created record missing from its list",
                         f"{collection.name}: {record.get('id')} was created but is not listed "
                         f"(listed: {short(ids(listed))})", operation=collection.operation)
            elif len(found) > 1:
                ctx.fail("record listed more than once", f"{collection.name}: {record.get('id')} appears {len(found)} times",
                         operation=collection.operation)
            elif found[0] != record:
                ctx.fail("listed record differs from the created one",
                         f"{collection.name}: created {short(record)}\nlisted  {short(found[0])}",
                         operation=collection.operation)
        if collection.resource in ("peer", "session") and created:
            record = ctx.rng.choice(created)
            reply = collection.fetch(filters={"id": record["id"]})
            got = ids(ctx.page(reply)["items"])
            ctx.check(got == [record["id"]], "filter by id does not find exactly the record",
                      f"{collection.name}: filters {{'id': {record['id']!r}}} listed {got}", reply=reply)
    workspace_id = world.workspaces[0]["id"] if world.workspaces else None
    for session_id, messages in world.messages.items():
        for message in ctx.rng.sample(messages, min(3, len(messages))):
            reply = ctx.api.get_message(workspace_id, session_id, message["id"])
            got = ctx.expect_status(reply, 200, fatal=False, what="Reading a created message")
            if got is not None:
                ctx.check(got == message, "message read back differs from the created one",
                          f"created {short(message)}\nread    {short(got)}", reply=reply)


@semantic_check("pages_partition", "pages partition a list: nothing missing or repeated, total/pages/size agree",
                writes=False, uses_world=True)
def pages_partition(ctx: CheckContext) -> None:
    assert ctx.world is not None
    for collection in ctx.world.collections:
        full = full_list(ctx, collection)
        total = len(full)
        sizes = sorted({1, 2, 3, ctx.rng.randint(4, 9)} if total <= 40 else {ctx.rng.randint(7, 15), 50})
        for size in sizes:
            _check_pages(ctx, collection, full, size)
        if total == 0:
            body = ctx.page(reply := collection.fetch(page=1, size=10))
            ctx.check(body["pages"] == 0, "`pages` is not 0 for an empty list",
                      f"{collection.name}: empty list answered pages={body['pages']}", reply=reply)


def _check_pages(ctx: CheckContext, collection: Collection, full: list[dict[str, Any]], size: int) -> None:
    total = len(full)
    expected_pages = math.ceil(total / size)
    limit = min(expected_pages, 12)
    seen: list[str] = []
    for number in range(1, limit + 2):
        reply = collection.fetch(page=number, size=size)
        body = ctx.page(reply)
        where = f"{collection.name}, page={number}, size={size}"
        ctx.check(body["total"] == total, "`total` does not count the whole list",
                  f"{where}: total={body['total']}, but the list has {total} items", reply=reply)
        ctx.check(body["page"] == number and body["size"] == size, "`page`/`size` not echoed",
                  f"{where}: answered page={body['page']} size={body['size']}", reply=reply)
        ctx.check(body["pages"] == math.ceil(body["total"] / size), "`pages` is not ceil(total / size)",
                  f"{where}: total={body['total']} pages={body['pages']}, expected {math.ceil(body['total'] / size)}",
                  reply=reply)
        items = ids(body["items"])
        if number > expected_pages:
            ctx.check(items == [], "a page past the end is not empty", f"{where}: listed {short(items)}", reply=reply)
            break
        if not ctx.check(len(items) <= size, "a page holds more than `size` items",
                         f"{where}: {len(items)} items", reply=reply):
            return
        expected = [str(i) for i in ids(full)[(number - 1) * size: number * size]]
        if items != expected:
            missing = [i for i in expected if i not in items]
            repeated = [i for i in items if i in seen]
            ctx.fail("pages do not partition the list",
                     f"{where}: expected {short(expected)}, got {short(items)}"
                     + (f"; missing {short(missing)}" if missing else "") + (f"; repeated {short(repeated)}" if repeated else ""),
                     reply=reply)
            return
        seen += items


@semantic_check("reverse_exact", "`reverse=true` lists exactly the reverse order, page by page", writes=False,
                uses_world=True)
def reverse_exact(ctx: CheckContext) -> None:
    assert ctx.world is not None
    for collection in ctx.world.collections:
        full = full_list(ctx, collection)
        if len(full) > LIST_PAGE * MAX_LIST_PAGES:
            continue
        backwards, _, reply = ctx.list_all(collection.fetch, reverse=True)
        if not ctx.check(ids(backwards) == ids(full)[::-1], "reverse is not the exact reverse of the list",
                         f"{collection.name}: forward {short(ids(full))}\nreverse {short(ids(backwards))}", reply=reply):
            continue
        size = ctx.rng.randint(2, 4)
        if len(full) > size:
            reply = collection.fetch(page=1, size=size, reverse=True)
            got = ids(ctx.page(reply)["items"])
            ctx.check(got == ids(full)[::-1][:size], "reverse first page is not the newest items",
                      f"{collection.name}, size={size}: expected {ids(full)[::-1][:size]}, got {got}", reply=reply)


@semantic_check("filters_reference", "a filtered list equals the filter evaluated client-side over the full list",
                writes=False, uses_world=True)
def filters_reference(ctx: CheckContext) -> None:
    assert ctx.world is not None
    for collection in ctx.world.collections:
        full = full_list(ctx, collection)
        for body in (A.UNSET, None, {}):
            reply = collection.fetch(page=1, size=LIST_PAGE, **({} if body is A.UNSET else {"filters": body}))
            got = ids(ctx.page(reply)["items"])
            ctx.check(got == ids(full)[:LIST_PAGE], "an empty filter changes the list",
                      f"{collection.name}: filters={body!r} listed {short(got)}", reply=reply)
        compared = 0
        for _ in range(ctx.rounds * 3):
            if compared >= ctx.rounds:
                break
            filters = random_filter(ctx.rng, collection.resource, full, shared=ctx.workspaces.prefix)
            try:
                expected = evaluate(filters, full, collection.resource,
                                    sql_nulls=ctx.behaviour is not None and ctx.behaviour.filter_null_logic)
            except Undefined:
                continue
            except FilterError:
                _expect_filter_error(ctx, collection, filters)
                continue
            compared += 1
            got, _, reply = ctx.list_all(collection.fetch, filters=filters)
            if ids(got) != ids(expected):
                ctx.fail("filtered list differs from the reference evaluation",
                         f"{collection.name}: filters {json.dumps(filters)}\nexpected {short(ids(expected))}\n"
                         f"got      {short(ids(got))}", reply=reply)
        for filters in invalid_filters(collection.resource):
            _expect_filter_error(ctx, collection, filters)


def _expect_filter_error(ctx: CheckContext, collection: Collection, filters: Any) -> None:
    reply = collection.fetch(page=1, size=10, filters=filters)
    body = reply.json()
    if reply.status != 422:
        ctx.fail("invalid filter not rejected with 422",
                 f"{collection.name}: filters {json.dumps(filters)} answered {reply.exchange.response_excerpt()}",
                 reply=reply)
    elif not (isinstance(body, dict) and isinstance(body.get("detail"), str)):
        ctx.fail("filter error detail is not a string",
                 f"{collection.name}: filter errors answer {{\"detail\": \"<message>\"}}, got {reply.exchange.response_excerpt()}",
                 reply=reply)
