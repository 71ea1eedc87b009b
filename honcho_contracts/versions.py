"""The index of the Honcho versions this project carries, read from their folders.

Each version has a folder here named after it (`3.0.7/`, `3.0.12/`, `3.1-preview/`) with a
`version.yaml`: what the version is and where its facts come from, its contract (a whole
OpenAPI document, or an Overlay 1.0 document on the version it is `based_on`), the SDKs that
pair with it, and its behaviour switches (behaviour.py). Adding a version is adding such a
folder (docs/versions.md). Nothing here imports the mock or the tester: both read this.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from honcho_contracts.behaviour import Behaviour
from honcho_contracts.overlay import apply_overlay

HERE = Path(__file__).resolve().parent
DEFAULT_VERSION = "3.0.12"  # the newest released Honcho: openapi.yaml at the repository's top
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NAME = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:-([a-z]+))?")


class UnknownVersion(KeyError):
    """A version name this project carries no contract for; its message lists those it has."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ApiVersion:
    """One Honcho API version: its contract, its behaviour and what pairs with it."""

    name: str  # "3.0.12": what --api-version takes, what /health and the reports say
    title: str
    source: str  # where the contract and the behaviour come from
    folder: Path
    contract: str | None  # the file in `folder` (None: not written yet)
    based_on: str | None  # for an overlay: the version whose document it applies to
    served: bool  # the mock serves it (honcho-mock --api-version)
    behaviour: Behaviour | None  # None for a version that is not served yet
    sdks: dict[str, str] = field(default_factory=dict)  # {"python": "2.3.0", "typescript": "2.3.0"}

    @property
    def contract_path(self) -> Path | None:
        return None if self.contract is None else self.folder / self.contract

    @property
    def is_overlay(self) -> bool:
        return self.based_on is not None

    def document(self, fresh: bool = False) -> dict[str, Any]:
        """The version's whole OpenAPI document (an overlay applied to its base); a copy of the one read
        at first use, or (`fresh`) its own file read again (honcho-mock --watch follows it)."""
        return _document.__wrapped__(self.name) if fresh else copy.deepcopy(_document(self.name))

    def routes(self) -> frozenset[tuple[str, str]]:
        """Its operations as (METHOD, path template) pairs (none without a contract yet)."""
        return _routes(self.name) if self.contract is not None else frozenset()

    def __str__(self) -> str:
        return self.name


def order_key(name: str) -> tuple[int, int, int, int]:
    """Versions in release order: 3.0.7 < 3.0.12 < 3.1-preview < 3.1.0 (a suffixed name comes
    before the release it previews)."""
    match = _NAME.fullmatch(name)
    if match is None:
        raise ValueError(f"{name!r} is not a version name (MAJOR.MINOR[.PATCH][-suffix])")
    major, minor, patch, suffix = match.groups()
    return int(major), int(minor), int(patch or 0), 0 if suffix else 1


@cache
def versions() -> tuple[ApiVersion, ...]:
    """Every version carried, oldest first."""
    found = [_read(folder) for folder in HERE.iterdir() if (folder / "version.yaml").is_file()]
    return tuple(sorted(found, key=lambda v: order_key(v.name)))


def served_versions() -> tuple[ApiVersion, ...]:
    """The versions the mock serves, oldest first."""
    return tuple(v for v in versions() if v.served)


def get(name: str) -> ApiVersion:
    """The version named `name`; UnknownVersion (listing the known ones) otherwise."""
    for version in versions():
        if version.name == name:
            return version
    raise UnknownVersion(f"no Honcho API version {name!r}; this project carries "
                         + ", ".join(v.name + ("" if v.served else " (not served yet)") for v in versions()))


def default() -> ApiVersion:
    return get(DEFAULT_VERSION)


def _read(folder: Path) -> ApiVersion:
    where = f"honcho_contracts/{folder.name}/version.yaml"
    data = yaml.load((folder / "version.yaml").read_text(encoding="utf-8"), Loader=_LOADER)
    if not isinstance(data, dict) or str(data.get("version")) != folder.name:
        raise ValueError(f"{where}: `version` must name its folder, {folder.name!r}")
    contract = data.get("contract") or {}
    served = bool(data.get("served"))
    behaviour = Behaviour.from_mapping(data.get("behaviour"), where) if served or data.get("behaviour") else None
    if served and not contract.get("file"):
        raise ValueError(f"{where}: a served version needs a contract file")
    return ApiVersion(name=folder.name, title=str(data.get("title") or f"Honcho {folder.name}"),
                      source=str(data.get("source", "")).strip(), folder=folder, contract=contract.get("file"),
                      based_on=contract.get("based_on"), served=served, behaviour=behaviour,
                      sdks={str(k): str(v) for k, v in (data.get("sdks") or {}).items()})


HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


@cache
def _routes(name: str) -> frozenset[tuple[str, str]]:
    return frozenset((method.upper(), template) for template, item in _document(name).get("paths", {}).items()
                     for method in HTTP_METHODS if isinstance(item, dict) and isinstance(item.get(method), dict))


@cache
def _document(name: str) -> dict[str, Any]:
    version = get(name)
    if version.contract_path is None:
        raise UnknownVersion(f"Honcho {name} has no contract document yet (honcho_contracts/{name}/version.yaml)")
    with version.contract_path.open("rb") as handle:
        loaded = yaml.load(handle, Loader=_LOADER)
    if version.based_on is None:
        return loaded
    return apply_overlay(_document(version.based_on), loaded)
