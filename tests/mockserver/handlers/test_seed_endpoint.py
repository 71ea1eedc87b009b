"""The seed operation, `POST /v3/workspaces/{workspace_id}/sessions/list`, with every
combination of its parameters and body shapes, against a model computed here."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any, Iterator

import httpx
import pytest
from starlette.testclient import TestClient
from support import checked

from mockserver import create_app

SESSIONS = [{"id": f"s{n:02d}", "metadata": {"n": n, "kind": "even" if n % 2 == 0 else "odd"}} for n in range(7)]
REVERSE = [None, "true", "false", "1", "0"]
PAGES = [None, 1, 2, 3, 4, 99]
SIZES = [None, 1, 2, 3, 50, 100]
BODIES: list[tuple[str, Any]] = [
    ("absent", ...), ("null", None), ("empty", {}), ("filters-null", {"filters": None}), ("filters-empty", {"filters": {}}),
    ("odd", {"filters": {"metadata": {"kind": "odd"}}}), ("none-match", {"filters": {"metadata": {"kind": "nope"}}}),
]


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    server = create_app(seed=5)
    with TestClient(server.app, base_url="http://testserver") as c:
        c.post("/v3/workspaces", json={"id": "w"})
        for session in SESSIONS:
            c.post("/v3/workspaces/w/sessions", json=session)
        c.delete("/v3/workspaces/w/sessions/s06")
        yield checked(c)


def expected(reverse: str | None, page: int | None, size: int | None, body_name: str) -> dict[str, Any]:
    live = [s["id"] for s in SESSIONS if s["id"] != "s06"]
    if body_name == "odd":
        live = [i for i in live if int(i[1:]) % 2 == 1]
    elif body_name == "none-match":
        live = []
    if reverse in ("true", "1"):
        live.reverse()
    page, size = page or 1, size or 50
    chunk = live[(page - 1) * size: page * size]
    return {"ids": chunk, "total": len(live), "page": page, "size": size, "pages": math.ceil(len(live) / size)}


@pytest.mark.parametrize("body_name, body", BODIES, ids=[b[0] for b in BODIES])
def test_every_parameter_combination(client: httpx.Client, body_name: str, body: Any) -> None:
    failures = []
    for reverse, page, size in itertools.product(REVERSE, PAGES, SIZES):
        params = {k: v for k, v in (("reverse", reverse), ("page", page), ("size", size)) if v is not None}
        if body is ...:
            response = client.post("/v3/workspaces/w/sessions/list", params=params)
        else:
            response = client.post("/v3/workspaces/w/sessions/list", params=params, content=json.dumps(body), headers={"content-type": "application/json"})
        answer = response.json()
        got = {"ids": [s["id"] for s in answer["items"]], **{k: answer[k] for k in ("total", "page", "size", "pages")}}
        want = expected(reverse, page, size, body_name)
        if response.status_code != 200 or got != want:
            failures.append(f"{params} {body_name}: {response.status_code} {got} != {want}")
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("query", ["page=-1", "page=1.5", "size=-5", "size=1e2", "reverse=2", "page=", "size="])
def test_bad_parameters_are_rejected_with_the_query_location(client: httpx.Client, query: str) -> None:
    response = client.post(f"/v3/workspaces/w/sessions/list?{query}")
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", query.split("=")[0]] and error["input"] == query.split("=", 1)[1]


def test_huge_page_is_an_empty_page(client: httpx.Client) -> None:
    response = client.post("/v3/workspaces/w/sessions/list?page=" + "9" * 40)
    assert response.status_code == 200 and response.json()["items"] == [] and response.json()["total"] == 6


def test_missing_workspace_is_an_empty_page(client: httpx.Client) -> None:
    assert client.post("/v3/workspaces/nowhere/sessions/list").json() == {"items": [], "total": 0, "page": 1, "size": 50, "pages": 0}
