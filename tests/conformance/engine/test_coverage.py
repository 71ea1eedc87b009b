"""What a conformance run exercised: the recorder on hand-made exchanges, the gates, and a
real run's coverage (in the JSON report, and as a failure below `--min-coverage`)."""

from __future__ import annotations

import json

import pytest
from support import ROOT

from conformance.cli.main import build_parser
from conformance.core.config import RunConfig
from conformance.core.openapi import Contract
from conformance.core.transports import ASGIAppTransport
from conformance.core.vocabulary import Exchange
from conformance.engine.coverage import (
    FILTER_PARTS,
    CoverageGateError,
    CoverageRecorder,
    declared_operations,
    filter_parts,
    parse_gate,
)
from conformance.engine.runner import Runner
from mockserver import create_app

CONTRACT = Contract.load(ROOT / "openapi.yaml")
BASE = "http://127.0.0.1:8000"
PEERS_LIST = "POST /v3/workspaces/{workspace_id}/peers/list"
PEER_PUT = "PUT /v3/workspaces/{workspace_id}/peers/{peer_id}"


def exchange(method: str, path: str, status: int | None, body: object = None, base: str = BASE) -> Exchange:
    raw = json.dumps(body).encode() if body is not None else None
    return Exchange(method=method, url=base + path, request_headers={"content-type": "application/json"},
                    request_body=raw, status=status)


def operations(report: dict) -> dict[str, dict]:
    return {op["operation"]: op for op in report["operations"]}


def test_requests_are_matched_to_operations_literal_segments_first() -> None:
    recorder = CoverageRecorder(CONTRACT, BASE)
    recorder(exchange("POST", "/v3/workspaces/w/peers/list?page=2&size=5", 200,
                      {"filters": {"AND": [{"id": {"in": ["a"]}}, {"metadata": {"k": 1}}, {"peer_id": "*"}]}}))
    recorder(exchange("PUT", "/v3/workspaces/w/peers/list", 200, {"metadata": {}}))  # a peer named "list"
    recorder(exchange("POST", "/v3/workspaces/w/peers/list", 422, {"filters": {"NOT": [{"id": {"gte": 1}}]}}))
    recorder(exchange("POST", "/v3/workspaces/w/peers/list", 599))
    recorder(exchange("GET", "/nowhere", 404))
    report = recorder.report().to_dict()
    ops = operations(report)
    listed = ops[PEERS_LIST]
    assert listed["requests"] == 3
    assert listed["statuses"]["200"] == {"declared": True, "seen": 1} and listed["statuses"]["422"]["seen"] == 1
    assert listed["statuses"]["599"] == {"declared": False, "seen": 1}
    assert listed["parameters"]["query page"] == 1 and listed["parameters"]["query size"] == 1
    assert listed["parameters"]["path workspace_id"] == 3 and listed["parameters"]["query reverse"] == 0
    assert listed["body_properties"]["filters"] == 2
    assert ops[PEER_PUT]["requests"] == 1 and ops[PEER_PUT]["body_properties"]["metadata"] == 1
    # Operators of the filter the server accepted; the rejected one's NOT and gte are not counted.
    used = {name for name, count in report["filter_operators"].items() if count}
    assert used == {"AND", "in", "metadata", "wildcard"}
    assert report["unmatched_requests"] == {"GET /nowhere": 1}
    assert report["summary"]["operations"]["covered"] == 2


def test_a_base_path_is_taken_off_before_matching() -> None:
    recorder = CoverageRecorder(CONTRACT, "http://h.test/api")
    recorder(exchange("GET", "/health", 200, base="http://h.test/api"))
    assert operations(recorder.report().to_dict())["GET /health"]["statuses"]["200"]["seen"] == 1


def test_nested_body_properties_and_links() -> None:
    recorder = CoverageRecorder(CONTRACT, BASE)
    recorder(exchange("POST", "/v3/workspaces/w/sessions/s/messages", 201,
                      {"messages": [{"peer_id": "p", "content": "x"}]}))
    links = recorder.links
    assert links and all(" -> [" in name for name in links)
    recorder.link_followed(links[0])
    recorder.link_followed("POST /x -> [200] Inferred -> GET /y")
    report = recorder.report()
    messages = operations(report.to_dict())["POST /v3/workspaces/{workspace_id}/sessions/{session_id}/messages"]
    assert messages["body_properties"]["messages[].content"] == 1 and messages["body_properties"]["messages"] == 1
    assert any(m.endswith("/messages messages[].metadata") for m in report.missing("body_properties"))
    assert report.totals()["links"] == (1, len(links))
    assert report.other_links == {"POST /x -> [200] Inferred -> GET /y": 1}


def test_filter_parts_cover_the_language() -> None:
    found: set[str] = set()
    filter_parts({"OR": [{"created_at": {"gte": "2024", "lt": "2025"}}, {"NOT": [{"id": {"ne": "x"}}]}],
                  "metadata": {"score": {"gt": 1, "lte": 9}}, "name": {"contains": "a", "icontains": "B"},
                  "peer_id": "*", "session_id": "s"}, found)
    assert found == {"OR", "NOT", "gte", "lt", "ne", "gt", "lte", "contains", "icontains", "wildcard", "equality"}
    assert set(FILTER_PARTS) >= found | {"AND", "in", "metadata"}


def test_gates_parse_and_judge() -> None:
    assert parse_gate("80") == ("operations", 80.0)
    assert parse_gate("statuses=55.5%") == ("statuses", 55.5)
    assert parse_gate("filters=100") == ("filter_operators", 100.0)
    for bad in ("nope=5", "statuses=x", "links=150"):
        with pytest.raises(CoverageGateError):
            parse_gate(bad)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--base-url", BASE, "--min-coverage", "nope=3"])
    recorder = CoverageRecorder(CONTRACT, BASE)
    recorder(exchange("GET", "/health", 200))
    report = recorder.report()
    assert report.gate_failures([("operations", 1.0)]) == []
    (kind, minimum, actual), = report.gate_failures([("operations", 50.0), ("body_properties", 0.0)])
    assert (kind, minimum) == ("operations", 50.0) and 0 < actual < 50


@pytest.mark.timeout(240)
def test_a_run_reports_its_coverage_and_fails_below_a_gate() -> None:
    server = create_app(seed=4)
    config = RunConfig(base_url=BASE, profile="quick", seed=4, phases=("semantics",), max_requests=4000,
                       transport=ASGIAppTransport(server.app), min_coverage=(("operations", 5.0), ("links", 50.0)))
    result = Runner(config).run()
    coverage = result.to_dict()["coverage"]
    assert coverage is not None and result.coverage == coverage
    summary = coverage["summary"]
    assert summary["operations"]["covered"] >= 15 and summary["filter_operators"]["covered"] >= 8
    assert summary["links"]["covered"] == 0, "the semantic phase follows no OpenAPI link"
    gates = [f for f in result.new_failures if f.check == "coverage"]
    assert [f.title for f in gates] == ["links coverage below 50%"] and result.exit_code == 1
    ops = {op["operation"]: op for op in coverage["operations"]}
    assert ops["POST /v3/workspaces"]["statuses"]["201"]["seen"] > 0
    # Clean-up's own requests are not coverage: the run's deletes are counted before it.
    assert server.store.counts()["workspaces"] == 0


def test_any_document_the_run_takes_is_covered_without_crashing() -> None:
    """The run accepts any document with paths (--spec); coverage must not be the part that breaks."""
    contract = Contract({"paths": {"/pets": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}},
        "responses": {"201": {"description": "made"}, "4XX": {"description": "refused"}}}}}})
    recorder = CoverageRecorder(contract, BASE)
    recorder(exchange("POST", "/pets", 418, {"name": "x"}))
    pets = operations(recorder.report().to_dict())["POST /pets"]
    assert pets["statuses"]["4XX"] == {"declared": True, "seen": 1} and pets["body_properties"] == {}


def test_statuses_no_server_gives_are_no_gap() -> None:
    """A 422 the contract marks `x-unreachable` (no input of the operation can fail validation) is not declared
    coverage; the 401s stay (a server with auth on gives them)."""
    declared = {d.operation.label: d.statuses for d in declared_operations(CONTRACT)}
    assert declared["DELETE /v3/workspaces/{workspace_id}"] == ["202", "401", "404", "409"]
    assert declared["GET /v3/workspaces/{workspace_id}/queue/status"] == ["200", "401"]
    assert "422" in declared["POST /v3/workspaces"] and sum(map(len, declared.values())) == 243 - 11
