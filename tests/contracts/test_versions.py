"""The version index (honcho_contracts/versions.py): the versions carried, in release order, each
with a valid contract document; the overlays change exactly what upstream changed between its
tags; and the contract and the behaviour switches of a version agree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate as validate_spec
from support import DATA, ROOT

import honcho_contracts
from honcho_contracts import UnknownVersion


def test_the_versions_carried_in_release_order() -> None:
    assert [v.name for v in honcho_contracts.versions()] == ["3.0.7", "3.0.12", "3.1-preview"]
    assert [v.name for v in honcho_contracts.served_versions()] == ["3.0.7", "3.0.12", "3.1-preview"]
    assert honcho_contracts.default().name == honcho_contracts.DEFAULT_VERSION == "3.0.12"
    assert sorted(["3.1.0", "3.1-preview", "3.0.12", "3.0.7", "4.0"], key=honcho_contracts.order_key) == \
        ["3.0.7", "3.0.12", "3.1-preview", "3.1.0", "4.0"]


def test_an_unknown_version_names_those_there_are() -> None:
    with pytest.raises(UnknownVersion, match="no Honcho API version '2.9'; this project carries 3.0.7, 3.0.12, "
                                             "3.1-preview$"):
        honcho_contracts.get("2.9")


def test_the_newest_released_contract_is_openapi_yaml_itself() -> None:
    path = honcho_contracts.default().contract_path
    assert path is not None and path.resolve() == (ROOT / "openapi.yaml").resolve()


@pytest.mark.parametrize("version", [v.name for v in honcho_contracts.versions()])
def test_every_contract_is_a_valid_openapi_3_1_document_of_its_version(version: str) -> None:
    document = honcho_contracts.get(version).document()
    validate_spec(document)
    assert document["info"]["version"] == version
    assert honcho_contracts.get(version).document() is not document  # a fresh copy each time


def _changes(old: Any, new: Any, at: str = "") -> set[str]:
    """Where two documents differ (JSON Pointer-like paths), descriptions, info and our `x-` rules
    (which follow the fields they govern) aside."""
    if isinstance(old, dict) and isinstance(new, dict):
        return {change for key in set(old) | set(new) if key not in ("description", "info") and not key.startswith("x-")
                for change in (_changes(old.get(key), new.get(key), f"{at}/{key}") if key in old and key in new
                               else {f"{at}/{key}"})}
    return set() if old == new else {at}


def test_3_0_7_differs_from_3_0_12_where_upstream_does_and_nowhere_else() -> None:
    upstream_old = json.loads((DATA / "honcho-openapi-3.0.7.json").read_text())
    upstream_new = json.loads((DATA / "honcho-openapi-3.0.12.json").read_text())
    ours = _changes(honcho_contracts.get("3.0.7").document(), honcho_contracts.get("3.0.12").document())
    theirs = _changes(upstream_old, upstream_new)
    assert ours == theirs and ours == {
        "/components/schemas/Conclusion/properties/level", "/components/schemas/DialecticOptions/properties/filters",
        "/components/schemas/DialecticOptions/properties/response_format",
        "/components/schemas/PeerRepresentationGet/properties/filters",
        "/components/schemas/ScheduleDreamRequest/properties/rebuild", "/components/schemas/DreamType/enum"}


def test_the_preview_adds_the_scope_routes_to_3_0_12() -> None:
    added = honcho_contracts.get("3.1-preview").routes() - honcho_contracts.get("3.0.12").routes()
    assert len(added) == 7 and all("/scopes" in path for _, path in added)
    assert honcho_contracts.get("3.0.12").routes() <= honcho_contracts.get("3.1-preview").routes()


@pytest.mark.parametrize("version", [v.name for v in honcho_contracts.served_versions()])
def test_the_switches_that_follow_a_contract_field_agree_with_it(version: str) -> None:
    served = honcho_contracts.get(version)
    schemas = served.document()["components"]["schemas"]
    assert served.behaviour is not None
    assert served.behaviour.conclusion_level == ("level" in schemas["Conclusion"]["properties"])
    assert served.behaviour.recall_filters == ("filters" in schemas["PeerRepresentationGet"]["properties"]) \
        == ("filters" in schemas["DialecticOptions"]["properties"])


def test_each_served_version_names_the_sdks_that_pair_with_it() -> None:
    assert honcho_contracts.get("3.0.7").sdks == {"python": "2.1.2", "typescript": "2.1.2"}
    assert honcho_contracts.get("3.0.12").sdks["python"] == "2.3.0"
