"""Authentication, off by default (as on a local Honcho), the real server's way when on.

On with a signing secret (`--auth-secret`, env `HONCHO_MOCK_AUTH_SECRET` or Honcho's own
`AUTH_JWT_SECRET`) and/or a literal admin token (`--admin-token`). Then every operation
that declares a security requirement (all but `GET /health` in openapi.yaml) needs
`Authorization: Bearer <token>`. Tokens are Honcho's JWTs: HS256 over the secret, claims
`t` (issue time), `ad` (admin), `w`/`p`/`s` (workspace, peer, session) and an optional
`exp`, an ISO 8601 string as Honcho writes it (a numeric `exp` is honoured too).

Who may do what follows `src/security.py` of the Honcho server:
- no token, a malformed header, a bad signature or an expired key: 401;
- admin keys (`ad`, or the `--admin-token`) may do everything; `POST /v3/keys` and
  `POST /v3/workspaces/list` are admin only;
- every other key must name the route's workspace (`w`); then a session key (`s`) acts
  only on routes naming its session, a peer key (`p`) only on routes naming its peer,
  and a workspace key on everything in its workspace. A create names its resource in
  the body (`POST /v3/workspaces {"id": ...}` and the peer and session creates), which
  the check reads as the real handlers do.
- A key outside its scope gets **401** `{"detail": "JWT not permissioned for this
  resource"}`: Honcho raises its AuthenticationException (401) for every refusal and
  never its 403 AuthorizationException, although the contract declares both.

Deliberate differences from Honcho 3.0.7, documented in README: Honcho's PyJWT refuses
its own keys with `expires_at` ("Invalid JWT": PyJWT wants a numeric `exp`), the mock
honours them until they expire; peer keys get no read access to their peer's sessions
(newer Honcho grants it on read routes). The `/_mock/` routes, `/openapi.*` and the
Swagger UI stay open.
"""

from __future__ import annotations

import hmac
import json
import secrets
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

import jwt
from jwt.warnings import InsecureKeyLengthWarning
from starlette.types import ASGIApp, Receive, Scope, Send

from ..contract.document import Contract, Operation
from ..errors import ApiError
from ..exchange import Handler, OperationFacts, ParsedRequest, Reply
from ..state.clock import format_timestamp, parse_timestamp
from ..state.store import Store
from .bodies import read_body
from .coverage_log import CoverageLog
from .responses import write_reply
from .routing import ROUTING

# a mock's secret is often short ("secret"): PyJWT would warn on every request
warnings.filterwarnings("ignore", category=InsecureKeyLengthWarning)

ALGORITHM = "HS256"
KEYS_OPERATION = "create_key_v3_keys_post"
LEVELS = ("workspace", "peer", "session")
NO_FACTS = OperationFacts()  # an operation no Honcho handler registered (another spec's)


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


def bearer_token(scope: Scope) -> str | None:
    """The credentials of `Authorization: Bearer <token>`, read as FastAPI's HTTPBearer reads them."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials:
                return credentials
            return None
    return None


@dataclass(frozen=True)
class Rule:
    """How one operation is guarded."""

    required: bool
    admin: bool = False
    body_level: str | None = None
    path_levels: tuple[str, ...] = ()


def rule_for(operation: Operation, document: dict[str, Any], facts: OperationFacts) -> Rule:
    """The contract says whether a key is needed; the handler's registration says the rest."""
    security = operation.definition.get("security", document.get("security"))
    required = bool(security) and all(bool(requirement) for requirement in security)
    in_path = {p["name"] for p in operation.parameters if p.get("in") == "path"}
    return Rule(required=required, admin=facts.admin_only, body_level=facts.names_in_body,
                path_levels=tuple(level for level in LEVELS if f"{level}_id" in in_path))


class AuthMiddleware:
    """After connexion's routing (it knows the operation and the path parameters), before the Dispatcher."""

    def __init__(self, app: ASGIApp, settings: AuthSettings, contract: Contract, max_body: int,
                 facts: Mapping[str, OperationFacts], coverage: CoverageLog | None = None) -> None:
        self.app = app
        self.coverage = coverage
        self.settings = settings
        self.max_body = max_body
        self.rules = {op_id: rule_for(op, contract.document, facts.get(op_id, NO_FACTS))
                      for op_id, op in contract.operations.items()}
        # a create may name its resource by the id's field name too (`x-field-name`, e.g. {"name": "x"})
        self.id_field_names = {op_id: _id_field_name(contract, op) for op_id, op in contract.operations.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation_id = scope.get("extensions", {}).get(ROUTING, {}).get("operation_id") if scope["type"] == "http" else None
        rule = self.rules.get(operation_id) if operation_id else None
        if rule is None or not rule.required:
            await self.app(scope, receive, send)
            return
        try:
            token = bearer_token(scope)
            if token is None:
                raise AuthError("No access token provided")
            claims = self.settings.verify(token)
            path_params = scope.get("path_params", {})
            names = {level: path_params.get(f"{level}_id") for level in rule.path_levels}
            if rule.body_level and not claims.ad:
                body = await read_body(scope, receive, self.max_body)
                receive = _replay(body, receive)
                names[rule.body_level] = _body_id(body, self.id_field_names.get(operation_id))
            authorize(claims, rule.admin, **names)
        except AuthError as exc:
            self._note(operation_id, 401)
            await write_reply(send, Reply(401, {"detail": exc.detail}))
            return
        except ApiError as exc:  # 413 while reading a create body
            self._note(operation_id, exc.status)
            await write_reply(send, Reply(exc.status, exc.body(), headers=exc.headers))
            return
        await self.app(scope, receive, send)

    def _note(self, operation_id: str | None, status: int) -> None:
        if self.coverage is not None:
            self.coverage.record(operation_id, status)


def _id_field_name(contract: Contract, operation: Operation) -> str | None:
    """The field name a create body's `id` may also be sent under, as openapi.yaml declares it."""
    body = contract.resolve(operation.request_body) if operation.request_body else {}
    schema = contract.resolve(body.get("content", {}).get("application/json", {}).get("schema", {}))
    prop = schema.get("properties", {}).get("id") if isinstance(schema, dict) else None
    name = prop.get("x-field-name") if isinstance(prop, dict) else None
    return name if isinstance(name, str) else None


def _body_id(body: bytes, field_name: str | None = None) -> str | None:
    """The id a create body names, read as validation reads it: the alias `id` wins."""
    try:
        parsed = json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(parsed, dict):
        return None
    value = parsed.get("id") if "id" in parsed or field_name is None else parsed.get(field_name)
    return value if isinstance(value, str) else None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the already-read body over once, then defers to the real one."""
    pending = True

    async def replay() -> Any:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def key_handler(settings: AuthSettings) -> Handler:
    """`POST /v3/keys` with auth on: a JWT scoped by the query (admin only, checked by the middleware)."""

    def create_key(store: Store, req: ParsedRequest) -> Reply:
        scope = {"w": req.query.get("workspace_id"), "p": req.query.get("peer_id"), "s": req.query.get("session_id")}
        if not any(scope.values()):
            raise ApiError(422, "At least one of workspace_id, peer_id, or session_id must be provided")
        claims: dict[str, Any] = {"t": format_timestamp(datetime.now(timezone.utc))}
        if req.query.get("expires_at"):
            claims["exp"] = format_timestamp(parse_timestamp(req.query["expires_at"]))
        claims.update({name: value for name, value in scope.items() if value})
        return Reply(200, {"key": settings.sign(claims)})

    return create_key
