"""The rule table: every rule with its id, level, direction, area, description and the check
that runs it, in the manner of oasdiff's rules table. A rule's id and level are what users'
ignore files and CI name, so they do not change; the order of the table is the order in which
a report lists the changes of one level found at one place.

A rule is handed only the pairs of its area and direction (pairs.py; walk.py hands them out).
Adding one: write its check in the family module it belongs to (rules/), add its row here, and
give it a case that trips it and a near miss that does not in that family's test module
(tests/conformance/breaking/rules/), which the tests require of every row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Callable, Iterable

from conformance.breaking.changes import Level
from conformance.breaking.pairs import AREA_DIRECTIONS, Area, Direction, Pair
from conformance.breaking.rules import (
    operations,
    parameters,
    request_bodies,
    responses,
    schema_properties,
    schema_types,
    schema_unions,
    schema_values,
)

Check = Callable[[Pair], Iterable[str]]  # one message per change found


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    direction: Direction
    area: Area
    description: str
    check: Check = field(compare=False, repr=False)

    def __post_init__(self) -> None:
        handed = AREA_DIRECTIONS[self.area]
        if self.direction not in handed and not (self.direction == Direction.BOTH and len(handed) > 1):
            raise ValueError(f"rule {self.id}: the walk hands no {self.direction} pairs of area {self.area}")

    @property
    def family(self) -> str:
        """The module of rules/ the check lives in."""
        return self.check.__module__.rsplit(".", 1)[-1]


ERROR, WARNING, INFO = Level.ERROR, Level.WARNING, Level.INFO
REQUEST, RESPONSE, BOTH = Direction.REQUEST, Direction.RESPONSE, Direction.BOTH
OPERATION, SECURITY, STATUS, PARAMETER, BODY, RESPONSE_AREA, SCHEMA = (
    Area.OPERATION, Area.SECURITY, Area.STATUS, Area.PARAMETER, Area.BODY, Area.RESPONSE, Area.SCHEMA)

TABLE: tuple[Rule, ...] = (
    # ------------------------------------------------------------------ operations (rules/operations.py)
    Rule("api-removed-without-deprecation", ERROR, BOTH, OPERATION,
         "an operation is gone (it was not deprecated)", operations.api_removed_without_deprecation),
    Rule("api-removed-after-deprecation", WARNING, BOTH, OPERATION,
         "a deprecated operation is gone", operations.api_removed_after_deprecation),
    Rule("endpoint-added", INFO, BOTH, OPERATION,
         "a new operation", operations.endpoint_added),
    Rule("api-operation-id-updated", WARNING, BOTH, OPERATION,
         "the operationId changed (generated clients rename the method)", operations.api_operation_id_updated),
    Rule("api-description-changed", INFO, BOTH, OPERATION,
         "the operation's description changed", operations.api_description_changed),
    Rule("api-summary-changed", INFO, BOTH, OPERATION,
         "the operation's summary changed", operations.api_summary_changed),
    Rule("api-deprecated", INFO, BOTH, OPERATION,
         "the operation is now deprecated", operations.api_deprecated),
    Rule("api-security-added", ERROR, REQUEST, SECURITY,
         "an operation open to anyone now needs credentials", operations.api_security_added),
    Rule("api-security-removed", INFO, REQUEST, SECURITY,
         "an operation no longer needs credentials", operations.api_security_removed),
    # ------------------------------------------------------------ statuses (rules/responses.py)
    Rule("response-success-status-removed", ERROR, RESPONSE, STATUS,
         "a declared 2xx/3xx status is gone", responses.response_success_status_removed),
    Rule("response-non-success-status-removed", ERROR, RESPONSE, STATUS,
         "a declared error status is gone", responses.response_non_success_status_removed),
    Rule("response-status-added", INFO, RESPONSE, STATUS,
         "a new declared status", responses.response_status_added),
    # ----------------------------------------------------------------- parameters (rules/parameters.py)
    Rule("new-required-request-parameter", ERROR, REQUEST, PARAMETER,
         "a new required parameter", parameters.new_required_request_parameter),
    Rule("new-optional-request-parameter", INFO, REQUEST, PARAMETER,
         "a new optional parameter", parameters.new_optional_request_parameter),
    Rule("request-parameter-removed", WARNING, REQUEST, PARAMETER,
         "a parameter is gone (servers may refuse or ignore it)", parameters.request_parameter_removed),
    Rule("request-parameter-became-required", ERROR, REQUEST, PARAMETER,
         "an optional parameter is now required", parameters.request_parameter_became_required),
    Rule("request-parameter-became-optional", INFO, REQUEST, PARAMETER,
         "a required parameter is now optional", parameters.request_parameter_became_optional),
    # ----------------------------------------------------------- request bodies (rules/request_bodies.py)
    Rule("added-required-request-body", ERROR, REQUEST, BODY,
         "a required request body where there was none", request_bodies.added_required_request_body),
    Rule("added-optional-request-body", INFO, REQUEST, BODY,
         "an optional request body where there was none", request_bodies.added_optional_request_body),
    Rule("request-body-removed", WARNING, REQUEST, BODY,
         "the request body is gone", request_bodies.request_body_removed),
    Rule("request-body-became-required", ERROR, REQUEST, BODY,
         "an optional request body is now required", request_bodies.request_body_became_required),
    Rule("request-body-became-optional", INFO, REQUEST, BODY,
         "a required request body is now optional", request_bodies.request_body_became_optional),
    Rule("request-body-media-type-removed", ERROR, REQUEST, BODY,
         "a request media type is no longer accepted", request_bodies.request_body_media_type_removed),
    Rule("request-body-media-type-added", INFO, REQUEST, BODY,
         "a new accepted request media type", request_bodies.request_body_media_type_added),
    # ------------------------------------------------------------------ responses (rules/responses.py)
    Rule("response-media-type-removed", ERROR, RESPONSE, RESPONSE_AREA,
         "a response media type clients read is gone", responses.response_media_type_removed),
    Rule("response-media-type-added", INFO, RESPONSE, RESPONSE_AREA,
         "a new response media type", responses.response_media_type_added),
    Rule("response-header-removed", ERROR, RESPONSE, RESPONSE_AREA,
         "a required response header is gone", responses.response_header_removed),
    # ------------------------------------------------------- schema types (rules/schema_types.py)
    Rule("request-property-type-changed", ERROR, REQUEST, SCHEMA,
         "a request value's type no longer accepts what it did", schema_types.request_property_type_changed),
    Rule("request-property-type-generalized", INFO, REQUEST, SCHEMA,
         "a request value's type accepts more", schema_types.request_property_type_generalized),
    Rule("response-property-type-changed", ERROR, RESPONSE, SCHEMA,
         "a response value may have a type clients do not expect", schema_types.response_property_type_changed),
    Rule("response-property-type-specialized", INFO, RESPONSE, SCHEMA,
         "a response value's type is narrower", schema_types.response_property_type_specialized),
    Rule("request-property-became-not-nullable", ERROR, REQUEST, SCHEMA,
         "a request value no longer accepts null", schema_types.request_property_became_not_nullable),
    Rule("response-property-became-nullable", ERROR, RESPONSE, SCHEMA,
         "a response value may now be null", schema_types.response_property_became_nullable),
    Rule("nullability-relaxed", INFO, BOTH, SCHEMA,
         "a request value accepts null, or a response value is never null", schema_types.nullability_relaxed),
    Rule("request-property-format-changed", ERROR, REQUEST, SCHEMA,
         "a request value must now have another format", schema_types.request_property_format_changed),
    Rule("response-property-format-changed", ERROR, RESPONSE, SCHEMA,
         "a response value may come in another format", schema_types.response_property_format_changed),
    Rule("format-relaxed", INFO, BOTH, SCHEMA,
         "a request format dropped or a response format added", schema_types.format_relaxed),
    # ----------------------------------------------------- schema values (rules/schema_values.py)
    Rule("request-property-enum-value-removed", ERROR, REQUEST, SCHEMA,
         "a request enum accepts fewer values", schema_values.request_property_enum_value_removed),
    Rule("request-property-enum-value-added", INFO, REQUEST, SCHEMA,
         "a request enum accepts more values", schema_values.request_property_enum_value_added),
    Rule("response-property-enum-value-added", ERROR, RESPONSE, SCHEMA,
         "a response enum may return values clients do not know", schema_values.response_property_enum_value_added),
    Rule("response-property-enum-value-removed", INFO, RESPONSE, SCHEMA,
         "a response enum returns fewer values", schema_values.response_property_enum_value_removed),
    Rule("request-property-bound-narrowed", ERROR, REQUEST, SCHEMA,
         "a request bound is tighter (max decreased, min increased, or a new bound)",
         schema_values.request_property_bound_narrowed),
    Rule("request-property-bound-widened", INFO, REQUEST, SCHEMA,
         "a request bound is looser", schema_values.request_property_bound_widened),
    Rule("response-property-bound-widened", ERROR, RESPONSE, SCHEMA,
         "a response bound is looser (max increased, min decreased, or a bound removed)",
         schema_values.response_property_bound_widened),
    Rule("response-property-bound-narrowed", INFO, RESPONSE, SCHEMA,
         "a response bound is tighter", schema_values.response_property_bound_narrowed),
    Rule("request-property-constraint-tightened", ERROR, REQUEST, SCHEMA,
         "a request value has a new multipleOf (or one that no longer divides the old) or uniqueItems",
         schema_values.property_constraint_breaks_reader),
    Rule("response-property-constraint-loosened", ERROR, RESPONSE, SCHEMA,
         "a response value lost a multipleOf (or has one the old does not divide) or uniqueItems",
         schema_values.property_constraint_breaks_reader),
    Rule("constraint-relaxed", INFO, BOTH, SCHEMA,
         "a request constraint loosened, or a response one tightened", schema_values.constraint_relaxed),
    Rule("request-property-default-value-changed", INFO, REQUEST, SCHEMA,
         "what the server assumes when a client omits a value", schema_values.request_property_default_value_changed),
    Rule("request-property-pattern-changed", WARNING, REQUEST, SCHEMA,
         "a request string must match a new pattern", schema_values.request_property_pattern_changed),
    Rule("response-property-pattern-changed", INFO, RESPONSE, SCHEMA,
         "a response string's pattern changed", schema_values.response_property_pattern_changed),
    Rule("request-property-pattern-removed", INFO, REQUEST, SCHEMA,
         "a request string no longer has to match a pattern", schema_values.request_property_pattern_removed),
    # -------------------------------------------------- schema properties (rules/schema_properties.py)
    Rule("new-required-request-property", ERROR, REQUEST, SCHEMA,
         "a request object has a new required property", schema_properties.new_required_request_property),
    Rule("new-optional-request-property", INFO, REQUEST, SCHEMA,
         "a request object has a new optional property", schema_properties.new_optional_request_property),
    Rule("request-property-removed", WARNING, REQUEST, SCHEMA,
         "a request property is gone (servers may refuse or drop it)", schema_properties.request_property_removed),
    Rule("request-property-became-required", ERROR, REQUEST, SCHEMA,
         "an optional request property is now required", schema_properties.request_property_became_required),
    Rule("request-property-became-optional", INFO, REQUEST, SCHEMA,
         "a required request property is now optional", schema_properties.request_property_became_optional),
    Rule("response-required-property-removed", ERROR, RESPONSE, SCHEMA,
         "a response property clients could rely on is gone", schema_properties.response_required_property_removed),
    Rule("response-optional-property-removed", INFO, RESPONSE, SCHEMA,
         "an optional response property is gone", schema_properties.response_optional_property_removed),
    Rule("response-property-became-optional", ERROR, RESPONSE, SCHEMA,
         "a response property may now be missing", schema_properties.response_property_became_optional),
    Rule("response-property-added", INFO, RESPONSE, SCHEMA,
         "a response object has a new property", schema_properties.response_property_added),
    Rule("response-property-became-required", INFO, RESPONSE, SCHEMA,
         "a response property is now always present", schema_properties.response_property_became_required),
    Rule("request-additional-properties-closed", ERROR, REQUEST, SCHEMA,
         "a request object no longer accepts other properties", schema_properties.request_additional_properties_closed),
    Rule("response-additional-properties-opened", WARNING, RESPONSE, SCHEMA,
         "a response object may carry unknown properties", schema_properties.response_additional_properties_opened),
    # ------------------------------------------------------- schema unions (rules/schema_unions.py)
    Rule("request-property-any-of-removed", ERROR, REQUEST, SCHEMA,
         "a request union accepts fewer alternatives", schema_unions.request_property_any_of_removed),
    Rule("response-property-any-of-added", ERROR, RESPONSE, SCHEMA,
         "a response union may return a new alternative", schema_unions.response_property_any_of_added),
    Rule("union-alternatives-relaxed", INFO, BOTH, SCHEMA,
         "a request union accepts more, or a response union returns less", schema_unions.union_alternatives_relaxed),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in TABLE}
if len(RULES) != len(TABLE):
    raise ValueError("two rules of the table share an id")


@cache
def rules_for(area: Area, direction: Direction) -> tuple[Rule, ...]:
    """The rules the walk hands a pair of this area and direction, in the table's order."""
    return tuple(r for r in TABLE if r.area == area and r.direction in (direction, Direction.BOTH))
