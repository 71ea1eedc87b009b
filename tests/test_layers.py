"""The architecture of both packages, held to its one declaration: the import-linter contracts in
pyproject.toml (`[tool.importlinter]`). One test per package runs that package's contracts (its
layers, exhaustive, and no import cycles at any level); one more keeps the two packages apart. The
parameters come from the declaration itself, so a package or contract added there is tested here."""

from __future__ import annotations

import tomllib

import pytest
from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports
from support import ROOT

CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def contracts_of(package: str) -> tuple[str, ...]:
    """The ids of the contracts about one package or a subpackage of it (their container or ancestor)."""
    return tuple(c["id"] for c in CONFIG["contracts"]
                 if any(m == package or m.startswith(package + ".")
                        for m in (*c.get("containers", ()), *c.get("ancestors", ()))))


def lint(contracts: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    status = lint_imports(config_filename="pyproject.toml", limit_to_contracts=contracts, no_cache=True, no_logo=True)
    assert status == EXIT_STATUS_SUCCESS, capsys.readouterr().out


@pytest.mark.parametrize("package", CONFIG["root_packages"])
def test_the_package_keeps_its_declared_layers(package: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    contracts = contracts_of(package)
    kinds = {c["type"] for c in CONFIG["contracts"] if c["id"] in contracts}
    assert {"layers", "acyclic_siblings"} <= kinds, f"{package} declares no layers or no cycle rule"
    assert all(c.get("exhaustive") for c in CONFIG["contracts"] if c["id"] in contracts and c["type"] == "layers"), \
        "every module must have a layer"
    lint(contracts, capsys, monkeypatch)


def test_the_tester_and_the_mock_never_import_each_other(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    apart = tuple(c["id"] for c in CONFIG["contracts"] if c["type"] == "independence")
    assert apart
    lint(apart, capsys, monkeypatch)
