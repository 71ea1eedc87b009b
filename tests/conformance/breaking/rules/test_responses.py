"""conformance/breaking/rules/responses.py: each rule on an operation's declared statuses and
on a response's media types and headers, tripped by a variant and missed by a near one."""

from __future__ import annotations

from support.contract_variants import PEERS, Case, op, rule_case_tests, upstream


def _header(required: bool):
    return lambda d: op(d, PEERS)["responses"]["200"].update(
        headers={"X-Request-Id": {"required": required, "schema": {"type": "string"}}})


def _also_text(doc: dict) -> None:
    op(doc, PEERS)["responses"]["200"]["content"]["text/plain"] = {"schema": {"type": "string"}}


success_removed = upstream(new=lambda d: op(d, PEERS)["responses"].pop("200"))
error_removed = upstream(new=lambda d: op(d, PEERS)["responses"].pop("422"))
status_added = upstream(new=lambda d: op(d, PEERS)["responses"].update(
    {"404": {"description": "no such workspace"}}))
text_added = upstream(new=_also_text)

CASES = {
    "response-success-status-removed": Case(success_removed, error_removed, "response-non-success-status-removed"),
    "response-non-success-status-removed": Case(error_removed, success_removed, "response-success-status-removed"),
    "response-status-added": Case(status_added, status_added.reversed(), "response-non-success-status-removed"),
    "response-media-type-removed": Case(text_added.reversed(), text_added, "response-media-type-added"),
    "response-media-type-added": Case(text_added, text_added.reversed(), "response-media-type-removed"),
    # a header clients could count on, against one they could not
    "response-header-removed": Case(upstream(old=_header(True)), upstream(old=_header(False)), None),
}

(test_every_rule_of_the_family_has_a_case, test_the_variant_trips_the_rule,
 test_the_near_miss_does_not_trip_it) = rule_case_tests("responses", CASES)


def test_a_redirect_is_a_success_and_a_default_answer_is_not() -> None:
    changes = upstream(old=lambda d: op(d, PEERS)["responses"].update({"303": {"description": "see other"},
                                                                       "default": {"description": "error"}})).changes()
    assert sorted((c.rule, c.message) for c in changes) == [
        ("response-non-success-status-removed", "status default removed"),
        ("response-success-status-removed", "status 303 removed")]


def test_header_names_are_case_insensitive() -> None:
    renamed = upstream(old=_header(True), new=lambda d: op(d, PEERS)["responses"]["200"].update(
        headers={"x-request-id": {"required": True, "schema": {"type": "string"}}}))
    assert renamed.changes() == []
