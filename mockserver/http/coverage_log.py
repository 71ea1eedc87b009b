"""Which operations and statuses the mock's clients exercised (`GET /_mock/coverage`).

A frontend's test suite runs against the mock; afterwards `GET /_mock/coverage` says
which operations and declared statuses it touched and which it never did, so a team
sees the API paths its tests leave untested (an error screen never shown, an endpoint
never called). The three places that answer a routed request note its status there:
the Dispatcher, and the fault and auth middlewares when they answer instead of it, so
forced faults and auth refusals count as the statuses they are. A wrapping middleware
would see every answer too, but its extra coroutine and `send` wrapper cost several µs
per request (bench/inprocess.py); a direct `record` is one dict update.
`/_mock/reset` leaves the log alone (a suite resets between tests and wants the coverage
of all of them); `DELETE /_mock/coverage` starts it over.

Only statuses this mock can give are counted: the contract marks the others (docs/contract.md,
"Our x- extensions"): `x-unreachable` on a response no server gives (a 422 where no input can
fail validation), `x-when-auth: on|off` on one only a server with auth on (401, a key) or off
(405 for keys) gives. They are listed per operation as `statuses_never_given` and left out of
the summary's `declared`, so a full frontend run can reach 100%.
"""

from __future__ import annotations

from typing import Any

from mockserver.contract.document import Contract


class CoverageLog:
    """(operationId, status) -> how many answers; requests no operation matched, by status."""

    def __init__(self, contract: Contract, auth: bool = False) -> None:
        self.operations = [(op.operation_id, f"{op.method.upper()} {op.path}", [str(s) for s in op.responses],
                            [str(s) for s, r in op.responses.items() if not givable(contract.resolve(r), auth)])
                           for op in contract.iter_operations()]
        self.counts: dict[tuple[str | None, int], int] = {}

    def record(self, operation_id: str | None, status: int) -> None:
        key = (operation_id, status)
        self.counts[key] = self.counts.get(key, 0) + 1

    def clear(self) -> None:
        self.counts = {}

    def report(self) -> dict[str, Any]:
        seen: dict[str, dict[str, int]] = {}
        for (operation_id, status), count in list(self.counts.items()):
            seen.setdefault(operation_id or "", {})[str(status)] = count
        operations = []
        declared_total = declared_seen = touched = 0
        for operation_id, label, declared, never_given in self.operations:
            answered = seen.get(operation_id, {})
            statuses = {s: _count(s, answered) for s in declared if s != "default"}
            for status, count in answered.items():
                if status not in statuses and not _in_range(status, declared):
                    statuses[status] = count
            real = [s for s in declared if s != "default" and s not in never_given]
            declared_total += len(real)
            declared_seen += sum(1 for s in real if _seen(s, answered))
            touched += bool(answered)
            operations.append({
                "operation": label,
                "operation_id": operation_id,
                "requests": sum(answered.values()),
                "statuses": {s: {"declared": s in declared, "seen": c} for s, c in statuses.items()},  # undeclared too
                "statuses_never_seen": [s for s in real if not _seen(s, answered)],
                "statuses_never_given": never_given,  # by any server, or by this one (auth on or off)
                "undeclared_statuses_seen": sorted(s for s in answered if s not in declared
                                                   and not _in_range(s, declared)),
            })
        total_ops = len(self.operations)
        return {
            "summary": {
                "operations": {"covered": touched, "declared": total_ops, "percent": _percent(touched, total_ops)},
                "statuses": {"covered": declared_seen, "declared": declared_total,
                             "percent": _percent(declared_seen, declared_total)},
            },
            "operations": operations,
            "never_called": [op["operation"] for op in operations if not op["requests"]],
            "unmatched_requests": seen.get("", {}),
        }


def givable(response: Any, auth: bool) -> bool:
    """Whether a server with auth on (`auth`) or off can give this (resolved) response."""
    if not isinstance(response, dict):
        return True
    if response.get("x-unreachable"):
        return False
    when = response.get("x-when-auth")
    return when is None or (when == "on") == auth


def _in_range(status: str, declared: list[str]) -> bool:
    return any(d[1:].upper() == "XX" and d[:1] == status[:1] for d in declared if len(d) == 3) or "default" in declared


def _count(declared: str, answered: dict[str, int]) -> int:
    """Answers a declared status (`404`, or a range such as `4XX`) covers."""
    if len(declared) == 3 and declared[1:].upper() == "XX":
        return sum(c for s, c in answered.items() if s[:1] == declared[:1])
    return answered.get(declared, 0)


def _seen(declared: str, answered: dict[str, int]) -> bool:
    return _count(declared, answered) > 0


def _percent(covered: int, total: int) -> float:
    return 100.0 if total == 0 else round(100.0 * covered / total, 1)
