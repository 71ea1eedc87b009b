"""The two error shapes of the contract, as exceptions the handlers and validators raise.

- `ApiError`: an error raised by Honcho itself, answered `{"detail": "<message>"}`.
- `RequestValidationError`: FastAPI's request validation, answered 422 with a `detail`
  list of `{type, loc, msg, input, ctx?}` items.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered with a string `detail` and the given status."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail}


class RequestValidationError(Exception):
    """A request the contract rejects; `errors` are pydantic-style error items."""

    status = 422

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} validation error(s)")
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"detail": self.errors}
