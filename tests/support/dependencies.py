"""The package's declared dependencies (pyproject.toml), its pins (requirements.txt), and what a set of
declarations installs, read from the installed distributions' metadata."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from support import ROOT

PROJECT = "honcho-contract"


@cache
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def declared(extra: str) -> list[Requirement]:
    """`dependencies` for "", else the extra's list, without the project's references to itself."""
    table = project()["project"]
    found = table["dependencies"] if extra == "" else table["optional-dependencies"][extra]
    return [r for r in map(Requirement, found) if canonicalize_name(r.name) != PROJECT]


def pins() -> dict[str, Version]:
    result = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.txt: {line!r} is not an exact pin"
            result[canonicalize_name(name)] = Version(version)
    return result


def _dependencies(name: str, extras: frozenset[str]) -> list[Requirement]:
    """What an installed distribution requires, with the given extras of it."""
    wanted = []
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in extras | {""}):
            wanted.append(requirement)
    return wanted


def closure(requirements: list[Requirement]) -> set[str]:
    """Every distribution these requirements install on this platform (read from the installed metadata)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    names: set[str] = set()
    todo = [(r.name, frozenset(r.extras)) for r in requirements if r.marker is None or r.marker.evaluate()]
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in seen:
            continue
        seen.add((canonicalize_name(name), extras))
        names.add(canonicalize_name(name))
        todo += [(r.name, frozenset(r.extras)) for r in _dependencies(name, extras)]
    return names


def all_declared() -> list[Requirement]:
    extras = project()["project"]["optional-dependencies"]
    build = [Requirement(r) for r in project()["build-system"]["requires"]]
    return build + [r for extra in ("", *extras) for r in declared(extra)]
