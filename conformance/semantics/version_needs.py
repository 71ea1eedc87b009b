"""What a semantic check needs of the version a run tests: operations in its contract, behaviour
switches to read. A check that differs by version asks the contract (a version without scopes has
no scope operations) and the switches (`webhook_refuses_internal_ip`), never a version number."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from conformance.core.openapi import Contract
from conformance.semantics.registry import Applies

if TYPE_CHECKING:
    from honcho_contracts import Behaviour


def operations(*operation_ids: str, what: str) -> Applies:
    """Applies when the contract has every one of these operations (`what` names them for people)."""

    def applies(contract: Contract, behaviour: Optional["Behaviour"]) -> str | None:
        return None if all(op in contract.operations for op in operation_ids) else f"its contract has no {what}"

    return applies


def switches(*operation_ids: str, what: str) -> Applies:
    """Applies when the contract has these operations and the version has behaviour switches to read."""
    has_operations = operations(*operation_ids, what=what)

    def applies(contract: Contract, behaviour: Optional["Behaviour"]) -> str | None:
        if behaviour is None:
            return "no behaviour switches are known for it"
        return has_operations(contract, behaviour)

    return applies
