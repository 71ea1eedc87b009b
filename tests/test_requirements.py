"""The declared dependencies are the truth: pyproject.toml declares every distribution the code imports (the
mock's in `dependencies`, the proxy's and the tester's in their extras), and requirements.txt pins exactly
what those declarations pull in, each pin inside its declared range. A module imported but not declared
(`pypdf` once) breaks `pip install` of the package; a pin nothing declares is a version nobody tests."""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from support import ROOT
from support.dependencies import all_declared, closure, declared, pins

# Modules a host program provides: the plugin and the pytest suite are loaded by pytest itself, the Locust
# file by locust (conformance/locustfile.py says so); neither is a dependency of the package.
HOST_PROVIDED = {"pytest": "pytest loads these modules", "locust": "locust runs conformance/locustfile.py"}
# Which declarations each part of the code may draw on.
PARTS = {
    "the mock": (ROOT / "mockserver", ("",), ("proxy",)),
    "the proxy": (ROOT / "mockserver" / "proxy", ("", "proxy"), ()),
    "the tester": (ROOT / "conformance", ("", "conformance"), ()),
    "the contracts": (ROOT / "honcho_contracts", ("",), ()),  # read by both: the mock's own dependencies
}


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pinned = pins()
    for requirement in all_declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} is declared in pyproject.toml but not pinned in requirements.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements.txt pins {name}=={pinned[name]}, outside the declared {requirement}")


def test_requirements_txt_pins_exactly_what_the_declarations_install() -> None:
    needed = closure(all_declared())
    pinned = set(pins())
    assert not pinned - needed, f"pinned in requirements.txt but declared by nothing: {sorted(pinned - needed)}"
    assert not needed - pinned, f"installed by the declarations but not pinned: {sorted(needed - pinned)}"


def third_party_imports(folder: Path, skipped: tuple[str, ...] = ()) -> dict[str, str]:
    """Top-level module -> the first file importing it, over every import in the folder (lazy ones too),
    leaving out its subfolders named in `skipped`."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        if any(path.is_relative_to(folder / name) for name in skipped):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("mockserver", "conformance", "honcho_contracts", "__future__"):
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("part", sorted(PARTS))
def test_every_imported_module_comes_from_a_declared_distribution(part: str) -> None:
    folder, extras, excluded = PARTS[part]
    allowed = {canonicalize_name(r.name) for extra in extras for r in declared(extra)}
    providers = metadata.packages_distributions()
    imports = third_party_imports(folder, excluded)  # a subpackage with an extra of its own is judged apart
    for module, where in sorted(imports.items()):
        if module in HOST_PROVIDED:
            continue
        distributions = {canonicalize_name(d) for d in providers.get(module, [])}
        assert distributions, f"{where} imports {module}, which no installed distribution provides"
        assert distributions & allowed, (
            f"{where} imports {module} (from {', '.join(sorted(distributions))}), which {part}'s declarations "
            f"in pyproject.toml do not name")
