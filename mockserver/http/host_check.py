"""Requests for another site's name are refused: the mock's guard against DNS rebinding.

With CORS open, a web page the developer visits could point a name it controls at
127.0.0.1 and then read or reset a local mock from the browser. Such a request carries
the attacker's name in its `Host` header, so, as Vite's dev server and Jupyter do, the
mock answers only Hosts that are an IP address, `localhost` (and `*.localhost`), the
address it is bound to, or a name allowed with `--allowed-host` (`.example.com` allows its
subdomains, `*` allows any). A refusal is 403 `{"detail": ...}`. No Host (HTTP/1.0): allowed.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.handler_interface import OperationResult
from mockserver.http.responses import write_reply

LOOPBACK_NAMES = frozenset({"localhost"})


def host_name(header: str) -> str:
    """The name part of a Host header: no port, no IPv6 brackets, lower case."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") == 1:
        return header.split(":", 1)[0]
    return header


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostCheck:
    def __init__(self, app: ASGIApp, bind_host: str, allowed: Iterable[str] = ()) -> None:
        self.app = app
        names = {host_name(a) if a != "*" else "*" for a in allowed} | {host_name(bind_host)} | LOOPBACK_NAMES
        self.any = "*" in names
        self.exact = frozenset(n for n in names if not n.startswith("."))
        self.suffixes = tuple(n for n in names if n.startswith("."))
        self._judged: dict[bytes, bool] = {}  # raw Host values seen, judged once (a client sends one all along)

    def allows(self, header: str | None) -> bool:
        if header is None or self.any:
            return True
        name = host_name(header)
        return (name in self.exact or _is_ip(name) or name.endswith(".localhost")
                or any(name.endswith(suffix) or name == suffix[1:] for suffix in self.suffixes))

    def _allows_raw(self, raw: bytes | None) -> bool:
        if raw is None:
            return True
        judged = self._judged.get(raw)
        if judged is None:
            if len(self._judged) >= 256:
                self._judged.clear()
            judged = self._judged[raw] = self.allows(raw.decode("latin-1"))
        return judged

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            raw = None
            for key, value in scope.get("headers", ()):
                if key == b"host":
                    raw = value
                    break
            if not self._allows_raw(raw):
                header = None if raw is None else raw.decode("latin-1")
                if scope["type"] == "http":
                    await write_reply(send, OperationResult(403, {"detail": f"Host {header!r} is not allowed: start honcho-mock "
                                                                  f"with --allowed-host {host_name(header or '')} to answer it"}))
                return
        await self.app(scope, receive, send)
