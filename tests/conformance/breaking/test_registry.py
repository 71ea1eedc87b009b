"""conformance/breaking/registry.py: the rule table. Ids and levels are what users' ignore files
and CI name, so every rule that ever shipped keeps both; each rule's direction is one the walk
hands pairs of its area in; every rule family and every check in one is used and tested."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest
from support import ROOT

from conformance.breaking.changes import LEVELS
from conformance.breaking.pairs import Area, Direction
from conformance.breaking.registry import RULES, TABLE, Rule
from conformance.breaking.report import RULE_COLUMNS

# The rules as they shipped before the table had directions and areas (id: level); never to change.
SHIPPED = {
    "api-removed-without-deprecation": "error", "api-removed-after-deprecation": "warning", "endpoint-added": "info",
    "api-operation-id-updated": "warning", "api-description-changed": "info", "api-summary-changed": "info",
    "api-deprecated": "info", "api-security-added": "error", "api-security-removed": "info",
    "response-success-status-removed": "error", "response-non-success-status-removed": "error",
    "response-status-added": "info", "new-required-request-parameter": "error",
    "new-optional-request-parameter": "info", "request-parameter-removed": "warning",
    "request-parameter-became-required": "error", "request-parameter-became-optional": "info",
    "added-required-request-body": "error", "added-optional-request-body": "info", "request-body-removed": "warning",
    "request-body-became-required": "error", "request-body-became-optional": "info",
    "request-body-media-type-removed": "error", "request-body-media-type-added": "info",
    "response-media-type-removed": "error", "response-media-type-added": "info", "response-header-removed": "error",
    "request-property-type-changed": "error", "request-property-type-generalized": "info",
    "response-property-type-changed": "error", "response-property-type-specialized": "info",
    "request-property-became-not-nullable": "error", "response-property-became-nullable": "error",
    "nullability-relaxed": "info", "request-property-format-changed": "error",
    "response-property-format-changed": "error", "format-relaxed": "info",
    "request-property-enum-value-removed": "error", "request-property-enum-value-added": "info",
    "response-property-enum-value-added": "error", "response-property-enum-value-removed": "info",
    "request-property-bound-narrowed": "error", "request-property-bound-widened": "info",
    "response-property-bound-widened": "error", "response-property-bound-narrowed": "info",
    "request-property-constraint-tightened": "error", "response-property-constraint-loosened": "error",
    "constraint-relaxed": "info", "request-property-default-value-changed": "info",
    "request-property-pattern-changed": "warning", "response-property-pattern-changed": "info",
    "new-required-request-property": "error", "new-optional-request-property": "info",
    "request-property-removed": "warning", "request-property-became-required": "error",
    "request-property-became-optional": "info", "response-required-property-removed": "error",
    "response-optional-property-removed": "info", "response-property-became-optional": "error",
    "response-property-added": "info", "response-property-became-required": "info",
    "request-additional-properties-closed": "error", "response-additional-properties-opened": "warning",
    "request-property-any-of-removed": "error", "response-property-any-of-added": "error",
    "union-alternatives-relaxed": "info",
}
FAMILIES = sorted(p.stem for p in (ROOT / "conformance" / "breaking" / "rules").glob("*.py") if p.stem != "__init__")


def test_every_shipped_rule_keeps_its_id_and_level() -> None:
    assert len(SHIPPED) == 66
    assert {rule_id: RULES[rule_id].level for rule_id in SHIPPED if rule_id in RULES} == SHIPPED


@pytest.mark.parametrize("rule", TABLE, ids=[r.id for r in TABLE])
def test_a_rule_is_fully_described(rule: Rule) -> None:
    assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule.id)
    assert rule.level in LEVELS and rule.direction in Direction and rule.area in Area
    assert rule.description and rule.description == rule.description.strip() and not rule.description.endswith(".")
    assert rule.family in FAMILIES


def test_ids_name_their_direction() -> None:
    """A request-... or response-... id says which way values go; the table must agree."""
    for rule in TABLE:
        for side in ("request", "response"):
            if rule.id.startswith(side + "-") or f"-{side}-" in rule.id:
                assert rule.direction == side, rule.id


def test_a_rule_must_have_a_direction_its_area_is_walked_in() -> None:
    with pytest.raises(ValueError, match="no response pairs of area parameter"):
        Rule("x-y", "error", Direction.RESPONSE, Area.PARAMETER, "nothing", lambda pair: ())
    with pytest.raises(ValueError, match="no both pairs of area body"):
        Rule("x-y", "error", Direction.BOTH, Area.BODY, "nothing", lambda pair: ())


@pytest.mark.parametrize("family", FAMILIES)
def test_every_check_of_a_family_is_a_rule_and_the_family_is_tested(family: str) -> None:
    module = importlib.import_module(f"conformance.breaking.rules.{family}")
    checks = {name for name, value in vars(module).items()
              if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")}
    used = {rule.check.__name__ for rule in TABLE if rule.family == family}
    assert checks == used, "a check no rule runs, or a rule whose check is private"
    assert (ROOT / "tests" / "conformance" / "breaking" / "rules" / f"test_{family}.py").exists(), \
        "each family's rules get their cases in a test module of their own"


def test_the_docs_explain_every_column_and_area_of_the_table() -> None:
    section = (ROOT / "docs" / "conformance.md").read_text(encoding="utf-8").split(
        "## Breaking changes between two versions of the contract", 1)[1].split("\n## ", 1)[0]
    assert all(f"| `{column}` |" in section for column in RULE_COLUMNS)
    assert all(f"`{area}`" in section for area in Area) and all(f"`{d}`" in section for d in Direction)
