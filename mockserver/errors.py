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
        return {"detail": self.errors[:MAX_LISTED]}


MAX_LISTED = 100  # errors a 422 lists at most (docs/contract.md): FastAPI lists every one, the mock the first 100


def pydantic_text(model: str, field: str, kind: str, msg: str, value: str) -> str:
    """pydantic's `str(ValidationError)` for one error: the text Honcho answers as a string
    `detail` when a model it builds inside a handler (not the request body) refuses a value."""
    shown = repr(value)
    if len(shown) > 50:  # pydantic shortens long inputs the same way
        shown = shown[:25] + "..." + shown[-24:]
    return (f"1 validation error for {model}\n{field}\n  {msg} [type={kind}, input_value={shown}, input_type=str]\n"
            f"    For further information visit https://errors.pydantic.dev/2.13/v/{kind}")
