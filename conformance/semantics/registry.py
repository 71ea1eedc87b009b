"""The registry of semantic checks, and the runner that gives each its own context."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from conformance.core.client import TransportFailure
from conformance.core.openapi import Contract
from conformance.core.vocabulary import Failure
from conformance.honcho.api import HonchoApi
from conformance.honcho.workspaces import RunWorkspaces
from conformance.semantics.context import CheckContext, StopCheck, World
from conformance.semantics.world import build_world, discover_world

if TYPE_CHECKING:
    from honcho_contracts import Behaviour

# Whether a check applies to the version a run tests, from its contract and its behaviour switches
# (None when the version has none): None when it applies, else why not.
Applies = Callable[[Contract, Optional["Behaviour"]], Optional[str]]


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class SemanticCheck:
    name: str
    description: str
    func: Callable[["CheckContext"], None]
    writes: bool
    uses_world: bool
    applies: Applies | None = None  # None: every version


REGISTRY: dict[str, SemanticCheck] = {}


def semantic_check(name: str, description: str, *, writes: bool = True, uses_world: bool = False,
                   applies: Applies | None = None) -> Callable:
    def register(func: Callable[["CheckContext"], None]) -> Callable[["CheckContext"], None]:
        if name in REGISTRY:
            raise ValueError(f"two semantic checks named {name}")
        REGISTRY[name] = SemanticCheck(name, description, func, writes, uses_world, applies)
        return func
    return register


# --------------------------------------------------------------------------- running
def run_checks(*, api: HonchoApi, workspaces: RunWorkspaces, seed: int, rounds: int, read_only: bool,
               label: Callable[[str], str], report: Callable[[Failure], None], selected: tuple[str, ...] | None,
               progress: Callable[[str], None], phase: str = "semantics",
               deletion_wait: float | None = None, contract: Contract | None = None,
               not_run: Callable[[str, str], None] | None = None,
               behaviour: "Behaviour | None" = None) -> dict[str, int]:
    """Run the applicable checks in registry order; returns failures per check. `not_run` hears
    each check that could not run or finish, and why."""
    checks = applicable(read_only, selected, contract, behaviour)
    results: dict[str, int] = {}
    world: World | None = None
    world_failed = False
    skipped = not_run or (lambda name, reason: None)
    if any(c.uses_world for c in checks):
        setup = CheckContext(name="setup", api=api, rng=random.Random(f"{seed}:world"), seed=seed, workspaces=workspaces,
                             rounds=rounds, read_only=read_only, label=label, report=report, phase=phase)
        with api.client.recording() as steps:
            setup.steps = steps
            try:
                world = discover_world(setup) if read_only else build_world(setup)
                world.steps = list(steps)
            except (StopCheck, TransportFailure):
                world_failed = True
        results["setup"] = setup.failures
        progress("setup")
    for check in checks:
        if check.uses_world and (world is None or world_failed):
            skipped(check.name, "the records it reads could not be made (see setup)")
            continue
        ctx = CheckContext(name=check.name, api=api, rng=random.Random(f"{seed}:{check.name}"), seed=seed,
                           workspaces=workspaces, rounds=rounds, read_only=read_only, label=label, report=report,
                           world=world, phase=phase,
                           **({"deletion_wait": deletion_wait} if deletion_wait is not None else {}))
        ctx.behaviour = behaviour
        ctx.contract = contract
        if not ctx.run(check.func):
            skipped(check.name, "stopped: the server left a request unanswered (a server_crash finding)")
        results[check.name] = ctx.failures
        progress(check.name)
    return results


def applicable(read_only: bool, selected: tuple[str, ...] | None, contract: Contract | None = None,
               behaviour: "Behaviour | None" = None) -> list[SemanticCheck]:
    """The checks a run selects, in registry order; --read-only keeps those that only read; given the
    contract, those that apply to its version."""
    return [c for c in REGISTRY.values()
            if (selected is None or c.name in selected) and (c.writes is False or not read_only)
            and (contract is None or c.applies is None or c.applies(contract, behaviour) is None)]


def not_applicable(selected: tuple[str, ...] | None, contract: Contract,
                   behaviour: "Behaviour | None" = None) -> dict[str, str]:
    """The selected checks that do not apply to the version tested, each with why."""
    reasons = {c.name: c.applies(contract, behaviour) for c in REGISTRY.values()
               if (selected is None or c.name in selected) and c.applies is not None}
    return {name: why for name, why in reasons.items() if why is not None}
