"""The checks Honcho's WebhookEndpointCreate makes of a URL beyond its shape, per version.

The contract's `pattern` (a scheme and a host, `Invalid URL format`) runs first, in request
validation. Then, as the real validator does, in this order: only `http` and `https` are
taken (every version), and, where the version's behaviour says so (3.0.12), a host that is
an IP literal of a private, loopback, link-local, reserved, multicast or unspecified
address is refused. Host names are never resolved.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from honcho_contracts import Behaviour

from mockserver.errors import RequestValidationError


def check_webhook_url(url: str, behaviour: Behaviour) -> None:
    """Raise the real server's 422 (a `value_error` at body.url) for a URL it refuses."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced `[` or `]` in the host: no URL at all
        raise _refused(url, "Invalid URL format") from None
    if parts.scheme not in ("http", "https"):
        raise _refused(url, "Only HTTP and HTTPS URLs are allowed")
    if behaviour.webhook_refuses_internal_ip and _internal_ip(parts):
        raise _refused(url, "Private/internal IP addresses are not allowed")


def _internal_ip(parts: object) -> bool:
    try:
        host = parts.hostname  # type: ignore[attr-defined]
    except ValueError:
        return False
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # a host name
        return False
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
            or address.is_multicast or address.is_unspecified)


def _refused(url: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": ["body", "url"], "msg": f"Value error, {message}",
                                    "input": url, "ctx": {"error": {}}}])
