"""The packages' public faces: every name a package exports resolves, and each is the object its
home module defines (so `from mockserver import X` and the module that defines X never drift)."""

from __future__ import annotations

import importlib
import inspect

import pytest

PUBLIC = {
    "mockserver": ["MockConfig", "MockServer", "Store", "create_app"],
    "conformance": ["ASGIAppTransport", "Baseline", "CheckContext", "Failure", "RunConfig", "RunResult", "Runner",
                    "semantic_check"],
    "conformance.semantics": ["REGISTRY", "CheckContext", "SemanticCheck", "StopCheck", "applicable", "ids",
                              "not_applicable", "run_checks", "semantic_check", "short"],
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_exported_names_are_exactly_the_public_api(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PUBLIC[package])
    for name in module.__all__:
        value = getattr(module, name)
        home = getattr(value, "__module__", None)
        if home is not None and (inspect.isclass(value) or inspect.isfunction(value)):
            assert home.startswith(package.split(".")[0] + "."), f"{package}.{name} is defined in {home}"
            assert getattr(importlib.import_module(home), name) is value


@pytest.mark.parametrize("package", ["mockserver", "conformance"])
def test_unknown_names_are_an_attribute_error(package: str) -> None:
    module = importlib.import_module(package)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018
