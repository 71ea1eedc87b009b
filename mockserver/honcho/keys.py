"""Honcho's API keys: HS256 JWTs over the server's secret, and what each key may act on.

Claims are `t` (issue time), `ad` (admin), `w`/`p`/`s` (workspace, peer, session) and an
optional `exp`, an ISO 8601 string as Honcho writes it (a numeric `exp` is honoured too; Honcho's
own PyJWT refuses its ISO form, the mock honours it until it expires). The scope rules are
those of Honcho's `src/security.py`; every refusal is a 401 with Honcho's words (http/auth.py
answers it).
"""

from __future__ import annotations

import hmac
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from mockserver.timestamps import parse_timestamp

# a mock's secret is often short ("secret"): PyJWT would warn on every request
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)

ALGORITHM = "HS256"


class AuthError(Exception):
    """A refusal: 401 `{"detail": ...}`."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Claims:
    """What a verified token grants."""

    ad: bool = False
    w: Any = None
    p: Any = None
    s: Any = None


@dataclass(frozen=True)
class AuthSettings:
    """The signing secret and the optional literal admin token."""

    secret: str
    admin_token: str | None = None

    @classmethod
    def create(cls, secret: str | None, admin_token: str | None) -> "AuthSettings | None":
        """None (auth off) unless a secret or an admin token is given; an admin token alone gets a random secret."""
        if not secret and not admin_token:
            return None
        return cls(secret or secrets.token_hex(32), admin_token or None)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.secret.encode("utf-8"), algorithm=ALGORITHM)

    def admin_jwt(self) -> str:
        """The admin key Honcho makes for itself: `{"t": "", "ad": true}`."""
        return self.sign({"t": "", "ad": True})

    def verify(self, token: str, now: datetime | None = None) -> Claims:
        if self.admin_token is not None and hmac.compare_digest(token.encode("utf-8"), self.admin_token.encode("utf-8")):
            return Claims(ad=True)
        try:  # Honcho's exp is an ISO string, which PyJWT's own exp check rejects: checked below instead
            decoded = jwt.decode(token, self.secret.encode("utf-8"), algorithms=[ALGORITHM], options={"verify_exp": False})
        except jwt.PyJWTError:
            raise AuthError("Invalid JWT") from None
        expiry = decoded.get("exp")
        if expiry not in (None, ""):
            moment = _expiry(expiry)
            if moment is None:
                raise AuthError("Invalid JWT")
            if moment < (now or datetime.now(timezone.utc)):
                raise AuthError("JWT expired")
        return Claims(ad=bool(decoded.get("ad")), w=decoded.get("w") or None, p=decoded.get("p") or None,
                      s=decoded.get("s") or None)


def _expiry(value: Any) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            return None
    return None


def authorize(claims: Claims, admin: bool = False, workspace: str | None = None, peer: str | None = None,
              session: str | None = None) -> None:
    """Raise AuthError unless `claims` may act on the route naming these resources."""
    if claims.ad:
        return
    if admin:
        raise AuthError("Resource requires admin privileges")
    if not any((workspace, peer, session)):
        return  # nothing named: Honcho's self-authorizing routes
    denied = AuthError("JWT not permissioned for this resource")
    if workspace and claims.w != workspace:
        raise denied
    if claims.s is not None:
        if not session or claims.s != session:
            raise denied
        return
    if claims.p is not None:
        if peer and claims.p == peer:
            return
        raise denied
    if claims.w is not None:
        return
    raise denied
