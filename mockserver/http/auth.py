"""Authentication, off by default (as on a local Honcho), the real server's way when on.

On with a signing secret (`--auth-secret`, env `HONCHO_MOCK_AUTH_SECRET` or Honcho's own
`AUTH_JWT_SECRET`) and/or a literal admin token (`--admin-token`). Then every operation
that declares a security requirement (all but `GET /health` in openapi.yaml) needs
`Authorization: Bearer <token>`. Tokens are Honcho's JWTs: HS256 over the secret, claims
`t` (issue time), `ad` (admin), `w`/`p`/`s` (workspace, peer, session) and an optional
`exp`, an ISO 8601 string as Honcho writes it (a numeric `exp` is honoured too).

The middleware lives here; what a key is and what it may do (Honcho's JWTs and its scope
rules) is honcho/keys.py, and `POST /v3/keys` is handlers/keys.py. Who may do what follows
`src/security.py` of the Honcho server:
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
  never its 403 AuthorizationException; the contract declares the 401 only.

Deliberate differences from Honcho 3.0.7, documented in README: Honcho's PyJWT refuses
its own keys with `expires_at` ("Invalid JWT": PyJWT wants a numeric `exp`), the mock
honours them until they expire; peer keys get no read access to their peer's sessions
(newer Honcho grants it on read routes). The `/_mock/` routes, `/openapi.*` and the
Swagger UI stay open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.contract.document import Contract, Operation
from mockserver.errors import ApiError
from mockserver.handler_interface import OperationFacts, OperationResult
from mockserver.honcho.keys import AuthError, AuthSettings, authorize
from mockserver.http.bodies import read_body
from mockserver.http.coverage_log import CoverageLog
from mockserver.http.responses import write_reply
from mockserver.http.routing import ROUTING

KEYS_OPERATION = "create_key_v3_keys_post"
LEVELS = ("workspace", "peer", "session")
NO_FACTS = OperationFacts()  # an operation no Honcho handler registered (another spec's)

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
            await write_reply(send, OperationResult(401, {"detail": exc.detail}))
            return
        except ApiError as exc:  # 413 while reading a create body
            self._note(operation_id, exc.status)
            await write_reply(send, OperationResult(exc.status, exc.body(), headers=exc.headers))
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
