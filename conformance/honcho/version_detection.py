"""Which Honcho version a server runs: the one asked for (--api-version), or read from the server.

A Honcho server serves its own contract at /openapi.json: `info.version` says a number, `paths`
say which routes it has. The number alone is not enough: the upstream main branch of
2026-08-20 says 3.0.12 and serves the seven scope routes of the 3.1 preview. So the routes
decide first (the known contract whose operations differ least from the served ones), then
the number (the version it names, else the nearest in release order), then the default
version. A server without a readable /openapi.json gets the default version, and the run
says so. The choice, and how it was made, is an `ApiVersionChoice` every report names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import honcho_contracts
from conformance.core.client import BudgetExceeded, ConformanceClient, OutsideBaseURL, TransportFailure
from conformance.core.openapi import Contract, DocumentError
from conformance.core.vocabulary import ApiVersionChoice
from conformance.honcho.operations import is_honcho

OPENAPI_PATH = "/openapi.json"
_PARAMETER = re.compile(r"\{[^}]*\}")

Route = tuple[str, str]


def routes_of(document: dict[str, Any]) -> frozenset[Route]:
    """The operations of a document as (METHOD, path), path parameters unnamed: two documents that
    name a parameter differently still serve the same route."""
    try:
        operations = Contract(document).operations.values()
    except DocumentError:
        return frozenset()
    return frozenset((op.method.upper(), _PARAMETER.sub("{}", op.path)) for op in operations)


def _scalar(key: tuple[int, int, int, int]) -> float:
    """A version's place on one line, for "nearest": 3.0.11 is nearer 3.0.12 than 3.0.7, 3.2.0 nearer
    3.0.12 than 3.0.7; a preview sits just before its release."""
    major, minor, patch, released = key
    return major * 1e6 + minor * 1e3 + patch - (0 if released else 0.5)


def _number(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return _scalar(honcho_contracts.order_key(text.strip().removeprefix("v")))
    except ValueError:
        return None


@dataclass(frozen=True)
class _Candidate:
    version: honcho_contracts.ApiVersion
    routes: frozenset[Route]
    added: int  # routes the server has that this version lacks
    missing: int  # routes this version has that the server lacks

    @property
    def distance(self) -> int:
        return self.added + self.missing


def _candidates(served: frozenset[Route]) -> list[_Candidate]:
    found = []
    for version in honcho_contracts.versions():
        if version.contract is None:
            continue
        routes = frozenset((method, _PARAMETER.sub("{}", path)) for method, path in version.routes())
        found.append(_Candidate(version, routes, len(served - routes), len(routes - served)))
    return found


def choose(document: Any, *, unreadable: str = "") -> ApiVersionChoice:
    """The known version nearest to what a server's /openapi.json says (None: it has none, `unreadable`
    says why)."""
    default = honcho_contracts.DEFAULT_VERSION
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        why = unreadable or "its /openapi.json is not an OpenAPI document"
        return ApiVersionChoice(default, "default", f"the server's version is unknown ({why}): the default version")
    info = document.get("info")
    says = str(info.get("version")) if isinstance(info, dict) and info.get("version") is not None else None
    served = routes_of(document)
    number = _number(says)

    def nearness(candidate: _Candidate) -> tuple[Any, ...]:
        place = _scalar(honcho_contracts.order_key(candidate.version.name))
        apart = abs(place - number) if number is not None else 0.0
        return (candidate.distance, candidate.version.name != says, apart, candidate.version.name != default, -place)

    candidates = sorted(_candidates(served), key=nearness)
    best = candidates[0]
    name = best.version.name
    if best.distance == 0:
        fits = f"serves exactly the {len(best.routes)} operations of {name}'s contract"
    else:
        fits = (f"serves {len(served)} operations, nearest to the {len(best.routes)} of {name}'s contract "
                f"({best.added} more, {best.missing} fewer)")
    if says is None:
        return ApiVersionChoice(name, "nearest", f"the server's /openapi.json names no version; it {fits}")
    if says == name:
        return ApiVersionChoice(name, "detected", f"the server's /openapi.json says {says} and {fits}", says)
    if any(c.version.name == says for c in candidates):
        return ApiVersionChoice(name, "detected",
                                f"the server's /openapi.json says {says} but {fits}: the routes decide", says)
    return ApiVersionChoice(name, "nearest", f"the server's /openapi.json says {says}, a version this tester carries "
                            f"no contract for; it {fits}" + ("" if number is None else ", nearest by number"), says)


def detect(client: ConformanceClient) -> ApiVersionChoice:
    """The version the server's own /openapi.json points at (the default one when it has none)."""
    try:
        reply = client.get(OPENAPI_PATH)
    except (TransportFailure, OutsideBaseURL, BudgetExceeded) as exc:
        return choose(None, unreadable=f"GET {OPENAPI_PATH} failed: {exc}")
    if reply.status != 200:
        return choose(None, unreadable=f"GET {OPENAPI_PATH} answered {reply.status}")
    return choose(reply.json(), unreadable=f"GET {OPENAPI_PATH} answered no JSON object")


def asked_for(asked: str, detected: ApiVersionChoice) -> ApiVersionChoice:
    """The version --api-version names, with what the server says beside it."""
    if detected.how == "default":
        seen = "the server's version is unknown"
    elif detected.name == asked:
        seen = "the server agrees"
    else:
        seen = f"the server itself looks like {detected.name}"
    return ApiVersionChoice(asked, "asked", f"--api-version {asked}; {seen}: {detected.reason}", detected.server_says)


def disagrees(choice: ApiVersionChoice, detected: ApiVersionChoice) -> bool:
    """A version asked for that is not the one the server's /openapi.json points at."""
    return choice.how == "asked" and detected.how != "default" and detected.name != choice.name


@dataclass(frozen=True)
class ChosenContract:
    """What a run checks against: the contract, the version named in every report, that version's
    behaviour switches (None for a version that has none yet, or a contract that is not Honcho's),
    and a remark for the console when the version asked for is not the one the server points at."""

    contract: Contract
    choice: ApiVersionChoice
    behaviour: honcho_contracts.Behaviour | None
    remark: str = ""


def choose_contract(client: ConformanceClient, *, spec: Path | None, asked: str | None) -> ChosenContract:
    """The run's contract: --spec when given (the version still asked or detected, for its behaviour),
    else the contract of the version asked for or detected."""
    given = Contract.load(spec) if spec is not None else None
    if given is not None and not is_honcho(given):
        other = ApiVersionChoice(None, "none", "no Honcho version applies to a contract of another API", None,
                                 f"{spec} (--spec)")
        return ChosenContract(given, other, None)
    detected = detect(client)
    choice = asked_for(asked, detected) if asked else detected
    version = honcho_contracts.get(choice.name or honcho_contracts.DEFAULT_VERSION)
    remark = (f"--api-version {asked} asked for, but the server looks like {detected.name}: {detected.reason}"
              if disagrees(choice, detected) else "")
    if given is not None:
        return ChosenContract(given, replace(choice, contract=f"{spec} (--spec)"), version.behaviour, remark)
    where = version.contract_path.relative_to(version.folder.parent) if version.contract_path else version.name
    contract = Contract(version.document(), version.contract_path, name=f"the Honcho {version.name} contract")
    return ChosenContract(contract, replace(choice, contract=f"{version.title} (honcho_contracts/{where})"),
                          version.behaviour, remark)
