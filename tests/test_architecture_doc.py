"""The architecture maps agree with the tree: docs/architecture.md names every module of both
packages where it stands (and nothing that is not there), and the README's short map names every
room at the top of each package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import ROOT

PACKAGES = ("mockserver", "conformance", "honcho_contracts")
ENTRY = re.compile(r"^(?P<indent> *)(?P<name>[A-Za-z_][\w.]*/|[A-Za-z_]\w*\.py)(?:\s|$)")


def mapped_paths(text: str, package: str) -> set[str]:
    """Paths a fenced map names: each entry's place is given by its indentation under its folder."""
    found: set[str] = set()
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M):
        stack: list[tuple[int, str]] | None = None  # inside the package's part of the block
        for line in block.splitlines():
            if not line.startswith(" "):  # a line at the margin opens or closes a package's part
                stack = [(0, package)] if line.strip() == f"{package}/" else None
                continue
            entry = ENTRY.match(line)
            if stack is None or entry is None:
                continue  # another package, or a description carried over to the next line
            indent = len(entry["indent"])
            while len(stack) > 1 and stack[-1][0] >= indent:
                stack.pop()
            name = entry["name"]
            path = f"{stack[-1][1]}/{name.rstrip('/')}"
            found.add(path if name.endswith(".py") else path + "/")
            if name.endswith("/"):
                stack.append((indent, path))
    return found


def tree(package: str) -> set[str]:
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py")}
    folders = {str(p.relative_to(ROOT)) + "/" for p in (ROOT / package).rglob("*") if p.is_dir()
               and (p / "__init__.py").exists() and p != ROOT / package}
    return modules | folders


@pytest.mark.parametrize("package", PACKAGES)
def test_the_architecture_page_maps_every_module_where_it_stands(package: str) -> None:
    named = mapped_paths((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), package)
    actual = tree(package)
    assert not actual - named, f"modules the map leaves out: {sorted(actual - named)}"
    assert not named - actual, f"the map names what is not there: {sorted(named - actual)}"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_readme_map_names_every_room_of_each_package(package: str) -> None:
    named = mapped_paths((ROOT / "README.md").read_text(encoding="utf-8"), package)
    rooms = {p for p in tree(package) if p.count("/") == 1 and not p.endswith("/") or p.count("/") == 2 and p.endswith("/")}
    assert named == rooms, f"README's map: missing {sorted(rooms - named)}, extra {sorted(named - rooms)}"
