"""The documentation pages over the contract, where FastAPI (and so the real Honcho) puts them.

- `GET /docs` (and `/ui/`, connexion's place): Swagger UI 5, which reads OpenAPI 3.1;
- `GET /redoc`: ReDoc;
- `GET /` leads to `/docs` (unless the served document declares `/` itself).

The pages are FastAPI's own (`fastapi.openapi.docs`), and their scripts and styles are the
copies the `fastapi-offline` package ships, served from here: the pages work without any
network. Swagger UI reads `/docs/openapi.json`: the contract as served, with the mock's own
base path as its first server, so that "Try it out" calls this mock and not the document's
production URL. A page path the document declares as an operation is left to the API.
"""

from __future__ import annotations

import copy
import importlib.util
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.http.responses import send_bytes
from mockserver.json_text import encode_json

DOCS = "/docs"
SPEC_URL = "/docs/openapi.json"
ASSETS = "/docs/assets/"
_ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png"}
# the same pages live at these paths too: connexion's Swagger UI path, with and without its slash
_ALIASES = {"/ui/": "swagger", "/ui": "/ui/", "/docs/": DOCS, "/redoc/": "/redoc"}


def asset_directory() -> Path:
    """fastapi-offline's static files, found without importing it (its import loads FastAPI)."""
    found = importlib.util.find_spec("fastapi_offline")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("the docs pages need the fastapi-offline package (pip install fastapi-offline)")
    return Path(next(iter(found.submodule_search_locations))) / "static"


def _operation_paths(document: dict[str, Any], base_path: str) -> list[re.Pattern[str]]:
    """The document's routes as patterns, to leave its own `/`, `/docs`, ... to the API."""
    patterns = []
    for template in document.get("paths", {}) or {}:
        parts = re.split(r"(\{[^}/]*\})", base_path + str(template))
        regex = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
        patterns.append(re.compile(regex + "/?"))
    return patterns


class DocsPages:
    """Serves the docs pages and their assets, and passes everything else on at the cost of
    one dictionary look-up (and a prefix test)."""

    def __init__(self, app: ASGIApp, document: dict[str, Any], base_path: str) -> None:
        self.app = app
        self.document = document
        self.base_path = base_path
        self.title = str((document.get("info") or {}).get("title") or "API")
        routes = _operation_paths(document, base_path)
        claimed = {p for p in ("/", DOCS, "/docs/", "/redoc", "/redoc/", "/ui", "/ui/", SPEC_URL)
                   if any(r.fullmatch(p) for r in routes)}
        self.assets = asset_directory()
        self._routes: dict[str, str] = {}
        for path, target in {DOCS: "swagger", "/redoc": "redoc", SPEC_URL: "spec", "/": DOCS, **_ALIASES}.items():
            if path not in claimed:
                self._routes[path] = target
        self._assets_claimed = any(r.fullmatch(ASSETS + "x.js") for r in routes)
        if "/" in self._routes and self._routes.get(DOCS) != "swagger":  # the document has its own /docs
            if self.swagger_path is None:
                del self._routes["/"]
            else:
                self._routes["/"] = self.swagger_path

    @property
    def swagger_path(self) -> str | None:
        """Where Swagger UI answers (None: the document declares every page path itself)."""
        return next((p for p in (DOCS, "/ui/") if self._routes.get(p) == "swagger"), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            target = self._routes.get(path)
            if target is None and path.startswith(ASSETS) and not self._assets_claimed:
                target = "asset"
            if target is not None and scope["method"] in ("GET", "HEAD"):
                await self._answer(target, path, send)
                return
        await self.app(scope, receive, send)

    async def _answer(self, target: str, path: str, send: Send) -> None:
        if target.startswith("/"):  # a redirect, as FastAPI answers a path that lacks (or has) a slash
            await send_bytes(send, 307, b"", None, {"location": target})
        elif target == "swagger":
            await send_bytes(send, 200, self._swagger_html, "text/html; charset=utf-8")
        elif target == "redoc":  # its menu shows a logo from Redocly's CDN: not fetched, it hides itself
            await send_bytes(send, 200, self._redoc_html, "text/html; charset=utf-8",
                             {"content-security-policy": "img-src 'self' data: blob:"})
        elif target == "spec":
            await send_bytes(send, 200, self._docs_spec, "application/json")
        else:
            name = path[len(ASSETS):]
            file = self.assets / name
            if "/" in name or name.startswith(".") or not file.is_file() or file.suffix not in _ASSET_TYPES:
                await send_bytes(send, 404, b'{"detail":"Not Found"}', "application/json")
                return
            await send_bytes(send, 200, file.read_bytes(), _ASSET_TYPES[file.suffix],
                             {"cache-control": "public, max-age=3600"})

    @cached_property
    def _docs_spec(self) -> bytes:
        """The contract as served, with this mock first among its servers (for "Try it out")."""
        document = copy.deepcopy(self.document)
        ours = {"url": self.base_path or "/", "description": "this mock (honcho-mock)"}
        document["servers"] = [ours, *[s for s in document.get("servers", []) or [] if isinstance(s, dict)]]
        return encode_json(document)

    @cached_property
    def _swagger_html(self) -> bytes:
        from fastapi.openapi.docs import (
            get_swagger_ui_html,  # ~0.3 s of imports: paid by the first page view
        )

        page = get_swagger_ui_html(openapi_url=SPEC_URL, title=f"{self.title} - Swagger UI",
                                   swagger_js_url=ASSETS + "swagger-ui-bundle.js",
                                   swagger_css_url=ASSETS + "swagger-ui.css",
                                   swagger_favicon_url=ASSETS + "favicon.png", oauth2_redirect_url=None)
        return bytes(page.body)

    @cached_property
    def _redoc_html(self) -> bytes:
        from fastapi.openapi.docs import get_redoc_html

        page = get_redoc_html(openapi_url="/openapi.json", title=f"{self.title} - ReDoc",
                              redoc_js_url=ASSETS + "redoc.standalone.js", redoc_favicon_url=ASSETS + "favicon.png",
                              with_google_fonts=False)
        return bytes(page.body)
