"""The contract phases, built on schemathesis 4's own engine (its Python API).

`contract`: every operation of openapi.yaml through schemathesis' examples, coverage and
fuzzing phases; `stateful`: schemathesis' stateful phase, following the OpenAPI links.
Every applicable check runs: not_a_server_error, status_code_conformance,
content_type_conformance, response_schema_conformance, response_headers_conformance,
negative_data_rejection, positive_data_acceptance, use_after_free,
ensure_resource_availability, and ignored_auth when a token is given.

Three adaptations keep the run safe and meaningful against a real deployment:
- transport: every request schemathesis sends goes through the run's ConformanceClient
  (schemathesis' `BaseTransport` interface over the confined httpx client), so the host
  confinement, budget, rate limit and recording apply, and the in-process mock is reached
  the same way;
- steering (a `before_call` hook): workspace ids schemathesis generates are mapped into
  the run's prefixed workspaces, and webhook URLs to an unroutable `.invalid` host, so
  every write lands in a workspace that clean-up removes; validity is preserved
  (schemathesis re-validates the case after the hook);
- filters: the contract types `filters` as a free-form object, but the server reads a
  filter language; a positive case whose random filter that language rejects is given a
  valid random filter instead (the semantic phase checks what filters mean).
"""

from __future__ import annotations

import json
import random
import re
import threading
import zlib
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from conformance.core.client import BudgetExceeded, ConformanceClient
from conformance.core.config import RunConfig
from conformance.core.openapi import Contract
from conformance.core.transports import schemathesis_transport
from conformance.core.vocabulary import TOKEN_PLACEHOLDER, Failure, Reproduction
from conformance.honcho.filter_generator import random_filter
from conformance.honcho.filters_reference import FilterError, Undefined, compile_filter
from conformance.honcho.operations import (
    OUTSIDE_WORKSPACES,
    WS_CREATE,
    WS_DELETE,
    reads_only,
)
from conformance.honcho.workspaces import RunWorkspaces
from conformance.phases.reduction import Reducer, shape_of
from conformance.phases.steady_generation import steady_generation

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "use_after_free",
    "ensure_resource_availability",
)
AUTH_CHECKS = ("ignored_auth",)
# Checks whose root cause depends on the status answered: it becomes part of the failure title.
STATUS_KEYED = {"not_a_server_error", "status_code_conformance", "positive_data_acceptance", "negative_data_rejection",
                "use_after_free", "ensure_resource_availability", "ignored_auth"}
ID_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,512}$")
WEBHOOK_URL = "https://conformance.invalid/hook"
RESPONSE_FORMAT = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
WORKSPACE_BUCKETS = 4


def schemathesis_config(config: RunConfig, *, stateful: bool, own_links: bool = True) -> dict[str, Any]:
    """schemathesis' configuration for a run. `own_links`: the stateful phase follows the
    contract's links only; without one among the operations a run selects (a read-only run)
    it follows the transitions schemathesis infers."""
    checks: dict[str, Any] = {"enabled": False}
    for name in CHECKS + (AUTH_CHECKS if config.token else ()):
        if config.runs_check(name):
            checks[name] = {"enabled": True}
    phases: dict[str, Any] = {
        "examples": {"enabled": not stateful},
        "coverage": {"enabled": not stateful},
        "fuzzing": {"enabled": not stateful},
        # The contract's own links only: schemathesis' inferred transitions crowded them out (13 of 76 followed)
        "stateful": {"enabled": stateful, "max-steps": config.effective_stateful_steps,
                     **({"inference": {"algorithms": []}} if own_links else {})},
    }
    data: dict[str, Any] = {
        "seed": config.seed,
        "base-url": config.base_url,
        "request-timeout": config.request_timeout,
        "max-redirects": 0,
        "generation": {"max-examples": config.effective_max_examples, "database": "none",
                       "with-security-parameters": False, "no-shrink": not config.effective_shrink},
        "checks": checks,
        "phases": phases,
        "suppress-health-check": ["all"],
        # Reproductions must be runnable: schemathesis would mask e.g. every `session_id`.
        "output": {"sanitization": {"enabled": False}},
        "workers": 1,
    }
    if config.token:
        data["auth"] = {"openapi": {"HTTPBearer": {"bearer": config.token}}}
    return data


def resource_of(path: str) -> str | None:
    """Which records a `filters` body of this operation selects."""
    if path.endswith("/workspaces/list"):
        return "workspace"
    if path.endswith("/peers/list"):
        return "peer"
    if path.endswith("/sessions/list") or path.endswith("/peers/{peer_id}/sessions"):
        return "session"
    if path.endswith("/messages/list") or path.endswith("/search"):
        return "message"
    if "/conclusions" in path:
        return "conclusion"
    return None


@dataclass
class Steering:
    """Rewrites a case just before it is sent (see the module docstring)."""

    prefix: str
    workspaces: RunWorkspaces
    seed: int

    def bucket(self, kind: str, value: str, buckets: int = WORKSPACE_BUCKETS) -> str:
        return f"{self.prefix}-{kind}{zlib.crc32(value.encode('utf-8', 'surrogatepass')) % buckets}"

    def workspace(self, value: Any, *, deleting: bool = False) -> Any:
        if not isinstance(value, str) or not value or value.startswith(self.prefix):
            if isinstance(value, str):
                self.workspaces.add(value)
            return value
        if ID_PATTERN.match(value):
            new = self.bucket("d" if deleting else "c", value)
        else:  # stays invalid with the prefix in front, and is ours if a lax server accepts it
            new = f"{self.prefix}-{value}"
        self.workspaces.add(new)
        return new

    def __call__(self, case: Any) -> None:
        operation = case.operation
        op_id = operation.definition.raw.get("operationId") if hasattr(operation.definition, "raw") else None
        raw = operation.definition.raw if hasattr(operation.definition, "raw") else {}
        if _is_positive(case):
            _keep_parameter_rules(case, raw)
            _keep_inclusion_rules(case, raw)
            _keep_ordering_rules(case)
        path_parameters = case.path_parameters
        if isinstance(path_parameters, dict) and "workspace_id" in path_parameters:
            path_parameters["workspace_id"] = self.workspace(path_parameters["workspace_id"], deleting=op_id == WS_DELETE)
        body = case.body
        if not isinstance(body, dict):
            return
        if op_id == WS_CREATE and "id" in body:
            if isinstance(body["id"], str) and body["id"] and not body["id"].startswith(self.prefix):
                body["id"] = self.bucket("w", body["id"], 8) if ID_PATTERN.match(body["id"]) else f"{self.prefix}-{body['id']}"
            if isinstance(body["id"], str):
                self.workspaces.add(body["id"])
        if isinstance(body.get("url"), str) and body["url"] and "webhooks" in operation.path:
            body["url"] = WEBHOOK_URL
        if isinstance(body.get("response_format"), dict) and _is_positive(case):
            # a JSON Schema of the subset Honcho turns into an answer model (docs/versions.md)
            body["response_format"] = RESPONSE_FORMAT
        resource = resource_of(operation.path)
        if resource and isinstance(body.get("filters"), dict) and _is_positive(case):
            try:
                compile_filter(body["filters"], resource)
            except (FilterError, Undefined):
                rng = random.Random(f"{self.seed}:{zlib.crc32(repr(body['filters']).encode('utf-8', 'surrogatepass'))}")
                # Keys that are valid filters on their own stay: the contract may require them
                # (a conclusion query names its observer and observed among the filters).
                kept = {key: value for key, value in body["filters"].items() if _compiles({key: value}, resource)}
                body["filters"] = {**random_filter(rng, resource, []), **kept}


def _compiles(filters: dict[str, Any], resource: str) -> bool:
    try:
        compile_filter(filters, resource)
    except (FilterError, Undefined):
        return False
    return True


def _keep_parameter_rules(case: Any, raw: dict[str, Any]) -> None:
    """A positive case keeps the contract's rules over query parameters (`x-dependentRequired`,
    `x-exclusive`, docs/contract.md): a parameter whose companions are missing, or sent with one
    it excludes, is left out, so that the case stays one the contract says must be accepted.

    A rule binds when its parameter is given (present and not empty); a present but empty one
    is left to the server (the 3.1 preview refuses an empty `scope` or `sessions` without
    `peer_target`, not an empty `peer_perspective`). Leaving a parameter out is always a case
    the contract accepts, so a positive case leaves out an empty one too, and counts an empty
    excluded one as sent; a companion counts only when given."""
    query, rules = case.query, raw.get("x-dependentRequired")
    if not isinstance(query, dict):
        return
    rules = rules if isinstance(rules, dict) else {}
    groups = [group for group in raw.get("x-exclusive") or () if group]
    for _ in range(len(query) + 1):  # leaving one out may unmeet another's rule: until nothing changes
        breaking = [trigger for trigger, companions in rules.items()
                    if sent(query, trigger) and not all(given(query, c) for c in companions)]
        breaking += [first for first, *others in groups  # parameters that may not be sent together
                     if sent(query, first) and any(sent(query, other) for other in others)]
        if not breaking:
            return
        for name in breaking:
            query.pop(name, None)


def _keep_inclusion_rules(case: Any, raw: dict[str, Any]) -> None:
    """A positive case keeps the contract's `x-included-in` rules (docs/contract.md): a body value
    given with the list it must be among joins that list."""
    rules = raw.get("x-included-in")
    body = case.body
    if not isinstance(rules, dict) or not isinstance(body, dict):
        return
    for name, where in rules.items():
        value, (parent, _, key) = body.get(name), str(where).rpartition("/")
        holder = body.get(parent) if parent else body
        if not isinstance(value, str) or not isinstance(holder, dict) or key not in holder:
            continue
        entries = holder[key]
        if isinstance(entries, dict) and isinstance(entries.get("in"), list):
            entries = entries["in"]
        if isinstance(entries, list) and value not in entries:
            entries.append(value)
        elif isinstance(entries, str) and entries != value:
            holder[key] = [entries, value]


def _keep_ordering_rules(case: Any) -> None:
    """A positive case keeps the contract's `x-less-than` rules (docs/contract.md): an object of the
    body holding both fields as numbers, the first not below the second, loses the first (the rule
    binds only when both are given). The rules are read from the document's schemas."""
    rules = _less_than_rules(getattr(case.operation.schema, "raw_schema", None))
    if rules and isinstance(case.body, (dict, list)):
        _drop_unordered(case.body, rules, 0)


def _less_than_rules(document: Any) -> tuple[tuple[str, str], ...]:
    """(field, than) of every `x-less-than` the document's schemas declare (a few dozen schemas: read
    per case rather than cached by the document's identity, which a later document may take over)."""
    if not isinstance(document, dict):
        return ()
    schemas = (document.get("components") or {}).get("schemas") or {}
    return tuple((rule["field"], rule["than"]) for schema in schemas.values() if isinstance(schema, dict)
                 for rule in schema.get("x-less-than") or () if isinstance(rule, dict) and "field" in rule and "than" in rule)


def _drop_unordered(value: Any, rules: tuple[tuple[str, str], ...], depth: int) -> None:
    if depth > 32:
        return
    if isinstance(value, dict):
        for field, than in rules:
            first, second = value.get(field), value.get(than)
            if _number(first) and _number(second) and not first < second:
                del value[field]
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return
    for child in list(children):
        _drop_unordered(child, rules, depth + 1)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def given(query: dict[str, Any], name: str) -> bool:
    """A query parameter counts as given when present and not empty."""
    value = query.get(name)
    return value is not None and value != "" and value != []


def sent(query: dict[str, Any], name: str) -> bool:
    """A query parameter is sent when present, even empty (`scope=`); an empty list puts nothing on
    the wire, and a false flag sets nothing (`limit_to_session=false` is not given: docs/contract.md)."""
    value = query.get(name)
    return value is not None and value is not False and value != []


def _is_positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return str(getattr(mode, "value", mode)) == "positive"


# The `before_call` hook is process-wide in schemathesis: one dispatcher routes each case to
# the steering of the run that owns its schema, and does nothing for any other schema.
_ACTIVE: dict[int, Steering] = {}
_ACTIVE_LOCK = threading.Lock()


def _before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    steering = _ACTIVE.get(id(case.operation.schema))
    if steering is not None:
        steering(case)


def _register(schema: Any, steering: Steering) -> None:
    import schemathesis

    with _ACTIVE_LOCK:
        if not _ACTIVE:
            schemathesis.hook("before_call")(_before_call)
        _ACTIVE[id(schema)] = steering


def _unregister(schema: Any) -> None:
    from schemathesis import hooks

    with _ACTIVE_LOCK:
        _ACTIVE.pop(id(schema), None)
        if not _ACTIVE:
            hooks.unregister(_before_call)


def _bridged_schema_class(base: type, transport: Any) -> type:
    class BridgedSchema(base):  # type: ignore[misc, valid-type]
        @property
        def transport(self) -> Any:  # noqa: D401
            return transport

    BridgedSchema.__name__ = base.__name__
    BridgedSchema.__qualname__ = base.__qualname__
    return BridgedSchema


def _engine_without_probes(schema: Any) -> Any:
    """schemathesis' engine minus its network probes (they would bypass the client)."""
    from schemathesis.engine.core import Engine
    from schemathesis.engine.run import Phase, PhaseName, PhaseSkipReason

    class ConfinedEngine(Engine):
        __slots__ = ()

        def get_phase_config(self, phase_name: Any, *, is_supported: bool, requires_transitions: bool) -> Any:
            if phase_name == PhaseName.PROBING:
                return Phase(name=phase_name, is_enabled=False, skip_reason=PhaseSkipReason.DISABLED)
            return super().get_phase_config(phase_name, is_supported=is_supported, requires_transitions=requires_transitions)

    return ConfinedEngine(schema=schema)


def selected_operations(spec: Contract, config: RunConfig) -> list[str]:
    chosen = []
    for op in spec.operations.values():
        if op.operation_id in OUTSIDE_WORKSPACES:
            continue
        if config.read_only and not reads_only(op):
            continue
        if any(re.search(p, op.operation_id) for p in config.exclude_operations):
            continue
        if config.include_operations and not any(re.search(p, op.operation_id) for p in config.include_operations):
            continue
        chosen.append(op.operation_id)
    return chosen


# A request the server leaves unanswered ends schemathesis' stateful sequences (its suite stops);
# the phase then starts them again, with the next seed, at most this many times.
STATEFUL_RESTARTS = 3


def run_contract(*, config: RunConfig, spec: Contract, client: ConformanceClient, workspaces: RunWorkspaces,
                 stateful: bool, report: Callable[[Failure], None], progress: Callable[[str], None],
                 note: Callable[[str], None], link: Callable[[str], None] | None = None) -> dict[str, int]:
    """Run schemathesis' engine; returns failures per operation label. `link` hears the name of
    every OpenAPI link the stateful phase followed (for coverage)."""
    operations = selected_operations(spec, config)
    reducer = Reducer(client, spec, config.run_prefix or "", base_path=urlsplit(config.base_url).path)
    run = _EnginePass(config=config, spec=spec, client=client, workspaces=workspaces, stateful=stateful,
                      report=report, progress=progress, link=link, operations=operations, reducer=reducer)
    with steady_generation():
        for attempt in range(1 + (STATEFUL_RESTARTS if stateful else 0)):
            seed = (config.seed or 0) + attempt
            if not run.execute(seed) or client.budget.exhausted:
                break
            if attempt < STATEFUL_RESTARTS:
                note(f"stateful: a request the server left unanswered ended schemathesis' sequences; "
                     f"they start again with seed {seed + 1}")
    if client.budget.exhausted:
        raise BudgetExceeded(client.budget.exhausted)
    return run.cases


@dataclass
class _EnginePass:
    """schemathesis' engine over the run's client, its events turned into failures and progress."""

    config: RunConfig
    spec: Contract
    client: ConformanceClient
    workspaces: RunWorkspaces
    stateful: bool
    report: Callable[[Failure], None]
    progress: Callable[[str], None]
    link: Callable[[str], None] | None
    operations: list[str]

    reducer: Reducer

    def __post_init__(self) -> None:
        self.cases: dict[str, int] = {self.spec.label_of(op): 0 for op in self.operations} if not self.stateful else {}
        self.seen: set[tuple[str, str, str, str]] = set()

    def execute(self, seed: int) -> bool:
        """One pass of the engine with this seed; whether a request left unanswered cut it short."""
        import schemathesis
        from schemathesis.config import SchemathesisConfig
        from schemathesis.engine import events

        config, stateful, phase = self.config, self.stateful, "stateful" if self.stateful else "contract"
        own_links = _links_between(self.spec, self.operations)
        st_config = SchemathesisConfig.from_dict(schemathesis_config(config.with_changes(seed=seed), stateful=stateful,
                                                                     own_links=own_links))
        schema = schemathesis.openapi.from_dict(self.spec.document, config=st_config)
        schema = schema.include(operation_id=self.operations)
        schema.__class__ = _bridged_schema_class(type(schema), schemathesis_transport(self.client))
        _register(schema, Steering(config.run_prefix or "", self.workspaces, config.seed or 0))
        interrupted = cut_short = False
        try:
            stream = _engine_without_probes(schema).execute()
            for event in stream:
                if isinstance(event, events.Interrupted):  # schemathesis caught a Ctrl-C: the run stops
                    interrupted = True
                elif isinstance(event, events.ScenarioFinished):
                    self._scenario_finished(event, phase)
                elif isinstance(event, events.NonFatalError):
                    if _is_network_error(event.value):  # the client reports it, on the request that caused it
                        cut_short = True
                    elif not self.client.budget.exhausted:
                        self.report(Failure(check="engine_error", operation=event.label or "(run)",
                                            title=event.info.title, message=event.info.message, phase=phase,
                                            seed=config.seed))
                elif isinstance(event, events.FatalError):
                    raise event.exception
                if self.client.budget.exhausted:
                    stream.stop()
        finally:
            _unregister(schema)
        if interrupted:
            raise KeyboardInterrupt
        return cut_short and stateful

    def _refine(self, failure: Failure, sent: Any) -> bool:
        """The failure keyed by what triggers it, with the smallest request that shows it (its
        curl, and the request whole); False when it is no failure after all (a 404 after a
        create that the smallest request on the same path does not get)."""
        operation = self.spec.by_label(failure.operation)
        shape = None
        if sent is not None:
            failure.reproduction = Reproduction(sent.method, sent.uri, _first_values(sent.headers), sent.body or None)
            if operation is not None:
                shape = shape_of(operation, sent.method, sent.uri, _first_values(sent.headers), sent.body,
                                 urlsplit(self.config.base_url).path)
        failure.cause = failure.operation
        if operation is None or shape is None or failure.status is None:
            return True
        if failure.check == "ensure_resource_availability" and failure.status == 404:
            return not self.reducer.resource_answers(operation, shape)
        if failure.check == "negative_data_rejection":
            component = re.search(r"Invalid component: (.+)", failure.message)
            failure.cause = f"{failure.operation}: {component.group(1).strip() if component else 'accepted'}"
            return True
        trigger = self.reducer.reduce(failure.check, operation, shape, failure.status)
        if trigger is not None:
            failure.cause, failure.trigger = trigger.cause, trigger.description
            if trigger.reply is not None:
                failure.original_curl, failure.curl = failure.curl, trigger.reply.exchange.curl()
                failure.reproduction = trigger.reply.exchange.reproduction()
                failure.response = trigger.reply.exchange.response_excerpt()
        return True

    def _scenario_finished(self, event: Any, phase: str) -> None:
        label = event.recorder.label
        if not self.stateful:
            self.cases.setdefault(label, 0)
        elif self.link is not None:
            for node in event.recorder.cases.values():
                if node.transition is not None and node.is_transition_applied:
                    self.link(node.transition.id)
        self.progress(label)
        for failure, sent in _failures_of(event, self.config.seed or 0, phase):
            identity = (failure.check, failure.operation, failure.title, failure.curl)
            if identity in self.seen:
                continue
            self.seen.add(identity)
            if not self._refine(failure, sent):
                continue
            if self.stateful:
                self.cases[failure.operation] = self.cases.get(failure.operation, 0) + 1
            elif failure.operation in self.cases:
                self.cases[failure.operation] += 1
            self.report(failure)


def _links_between(spec: Contract, operations: list[str]) -> bool:
    """Whether a link of the contract leads from one of these operations to another."""
    chosen = set(operations)
    for op_id in chosen:
        op = spec.operations.get(op_id)
        for response in ((op.definition.get("responses") or {}).values() if op else ()):
            for link in ((response or {}).get("links") or {}).values() if isinstance(response, dict) else ():
                if isinstance(link, dict) and link.get("operationId") in chosen:
                    return True
    return False


def _first_values(headers: Any) -> dict[str, str]:
    """schemathesis keeps each header as a list of values."""
    return {name: (value[0] if isinstance(value, list) and value else str(value)) for name, value in dict(headers).items()}


def _is_network_error(error: Any) -> bool:
    import requests

    return isinstance(error, requests.RequestException)


def _failures_of(event: Any, seed: int, phase: str) -> list[tuple[Failure, Any]]:
    """Each failure of a finished scenario, with the request as it was sent (schemathesis' record)."""
    from schemathesis.engine import Status

    recorder = event.recorder
    found: list[tuple[Failure, Any]] = []
    for case_id, nodes in recorder.checks.items():
        failed = [n for n in nodes if n.status == Status.FAILURE and n.failure_info is not None]
        if any(n.name == "not_a_server_error" for n in failed):
            # One 5xx is one finding: the status, schema and content-type checks of the same
            # answer only restate it.
            failed = [n for n in failed if n.name == "not_a_server_error"]
        for node in failed:
            info = node.failure_info
            case_node = recorder.cases.get(case_id)
            operation = case_node.value.operation.label if case_node is not None else recorder.label
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction is not None else None
            status = response.status_code if response is not None else None
            excerpt = ""
            if response is not None:
                text = (response.content or b"")[:300].decode("utf-8", "replace")
                excerpt = f"{status} {text}"
            if node.name == "positive_data_acceptance" and case_node is not None \
                    and _breaks_path_rules(case_node.value):
                continue  # a stateful link carried a value the target's contract refuses: not a positive case
            if node.name == "positive_data_acceptance" and case_node is not None \
                    and _breaks_body_schema(case_node.value):
                continue  # schemathesis called it positive, but its body breaks the declared schema
            if node.name == "negative_data_rejection" and case_node is not None \
                    and _only_type_changes_in_a_form(case_node.value, info.failure.message):
                continue  # every multipart field is text: a value "made an integer" is still a valid string
            if node.name == "negative_data_rejection" and "Invalid component: positive test case" in info.failure.message:
                continue  # schemathesis says itself that no part of this (stateful) case was made invalid
            if node.name == "ensure_resource_availability" and status == 404 and case_node is not None \
                    and _names_a_body_reference(case_node.value, (response.content or b"").decode("utf-8", "replace")):
                continue  # the 404 is about an id the body refers to (documented), not the resource just created
            if node.name == "ensure_resource_availability" and case_node is not None \
                    and not _names_the_created(recorder, case_id, case_node.value):
                continue  # its path names something else than what was created (a generated value, not the link's)
            if node.name == "ensure_resource_availability" and status == 404 and case_node is not None \
                    and _breaks_body_schema(case_node.value):
                continue  # the request itself breaks the contract: its refusal says nothing of the resource
            if node.name == "use_after_free" and case_node is not None and _deleted_by_a_202(recorder, case_node.value):
                continue  # a 202 accepted the deletion for later: the semantic phase waits for it (delete_removes)
            if node.name == "use_after_free" and status == 200 and case_node is not None \
                    and _raw(case_node.value.operation).get("x-missing-parent") == "empty":
                continue  # the contract says: under a missing (or deleted) parent this read is an empty 200
            steps = [step.curl for step in info.steps][:-1] if info.steps else _chain(recorder, case_id)
            title = info.failure.title
            if node.name in STATUS_KEYED and status is not None:
                title = f"{title} (HTTP {status})"
            found.append((Failure(check=node.name, operation=operation, title=title,
                                  message=info.failure.message, phase=phase, curl=_strip_token(info.code_sample),
                                  steps=[_strip_token(s) for s in steps], seed=seed, status=status, response=excerpt),
                          interaction.request if interaction is not None else None))
    return found


def _breaks_path_rules(case: Any) -> bool:
    """Whether a path parameter of the case breaks its declared schema (pattern, length)."""
    values = case.path_parameters or {}
    for param in _raw(case.operation).get("parameters", []):
        if not isinstance(param, dict) or param.get("in") != "path" or param.get("name") not in values:
            continue
        schema, value = param.get("schema") or {}, values[param["name"]]
        if not isinstance(value, str):
            continue
        if "pattern" in schema and not re.search(schema["pattern"].replace("$", r"\Z"), value):
            return True
        if len(value) > schema.get("maxLength", len(value)) or len(value) < schema.get("minLength", 0):
            return True
    return False


def _breaks_body_schema(case: Any) -> bool:
    """Whether a body breaks what the operation declares: a media type it does not take, or a
    JSON body against its schema (JSON Schema 2020-12 over the whole document). Schemathesis can
    call such a case positive (a list item under `minLength` nested in a union under
    `additionalProperties`; a JSON body in a stateful step to a multipart operation)."""
    body, media = case.body, str(getattr(case, "media_type", "") or "application/json")
    content = (_raw(case.operation).get("requestBody") or {}).get("content", {})
    if body is not None and content and media not in content:
        return True  # a body of a media type the operation does not take
    schema = content.get(media, {}).get("schema")
    document = getattr(case.operation.schema, "raw_schema", None)
    if schema is None or not isinstance(document, dict) or not media.endswith("json") or body is None:
        return False
    root = {**schema, "components": document.get("components", {})} if isinstance(schema, dict) else schema
    try:
        return not Draft202012Validator(root).is_valid(body)
    except Exception:  # a schema jsonschema cannot read: keep the finding
        return False


def _only_type_changes_in_a_form(case: Any, message: str) -> bool:
    media = str(getattr(case, "media_type", "") or "")
    # schemathesis writes each broken keyword as "violates `keyword`", on its own line or after
    # "Invalid component: in body -" when there is one.
    violations = re.findall(r"violates `([^`]+)`", message)
    # A form field's `anyOf` of types (the upload's `[string, null]`) is broken only by a type change too.
    return media.startswith("multipart/") and bool(violations) and all(v in ("type", "anyOf") for v in violations)


def _names_a_body_reference(case: Any, response: str) -> bool:
    """Whether the 404's message names a value of the request's body (at any depth, keys too): then
    it is about what the body refers to (a conclusion's session, the sessions a scope adds, a
    search's scope), which the contract declares, not about the resource the path names. Its
    `detail` is read after JSON's escapes are undone, and a value also as its Python repr
    (`Session(s) ['a', 'b'] not found`)."""
    if not isinstance(case.body, (dict, list)):
        return False
    try:
        detail = json.loads(response).get("detail")
    except (ValueError, AttributeError):
        detail = None
    texts = [response] + ([detail] if isinstance(detail, str) else [])
    named = _NOT_FOUND.match(detail) if isinstance(detail, str) else None  # `Peer  not found in ...`: ""
    if named is not None and named.group(1) == "Workspace":
        named = None  # the workspace is the path's (what the link created), never a body reference
    for value in _texts(case.body):
        # a pair of surrogates the generator wrote is one character once the server has read the JSON
        value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        if named is not None and named.group(2) == value:
            return True  # named whole, whatever its length
        if len(value) >= 3 and any(value in text or repr(value) in text for text in texts):
            return True
    return False


# Honcho's 404 wording: `<Kind> <value> not found ...` (the value may be empty: `Peer  not found in workspace w`)
_NOT_FOUND = re.compile(r"([A-Z][a-z]+)(?:\(s\))? (.*?) not found\b", re.DOTALL)


def _names_the_created(recorder: Any, case_id: str, case: Any) -> bool:
    """Whether a path parameter of the case is a value of its parent's answer (the id of what
    was just created): a case whose path names something else cannot show it gone."""
    try:
        parent = recorder.find_parent(case_id=case_id)
        response = recorder.find_response(case_id=parent.id) if parent is not None else None
        created = json.loads(response.content) if response is not None and response.content else None
    except Exception:  # no parent, or an answer that is not JSON: nothing to tell
        return True
    values = set(_texts(created)) if isinstance(created, (dict, list)) else set()
    given = {str(v) for v in (case.path_parameters or {}).values()}
    return bool(values & given)


def _texts(value: Any, depth: int = 0) -> list[str]:
    if isinstance(value, str):
        return [value]
    if depth > 6:
        return []
    if isinstance(value, dict):
        return [k for k in value if isinstance(k, str)] + [t for v in value.values() for t in _texts(v, depth + 1)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v, depth + 1)]
    return []


def _deleted_by_a_202(recorder: Any, case: Any) -> bool:
    """Whether a DELETE of this case's resource (or of a parent) was answered 202 Accepted."""
    target = _filled_path(case)
    for case_id, node in recorder.cases.items():
        other = node.value
        if str(getattr(other, "method", "")).upper() != "DELETE":
            continue
        interaction = recorder.interactions.get(case_id)
        response = interaction.response if interaction is not None else None
        path = _filled_path(other)
        if response is not None and response.status_code == 202 and path and target.startswith(path):
            return True
    return False


def _filled_path(case: Any) -> str:
    path = case.operation.path
    for name, value in (case.path_parameters or {}).items():
        path = path.replace("{" + name + "}", str(value))
    return path


def _raw(operation: Any) -> dict[str, Any]:
    raw = getattr(operation.definition, "raw", None)
    return raw if isinstance(raw, dict) else {}


def _chain(recorder: Any, case_id: str) -> list[str]:
    try:
        chain = list(recorder.iter_chain_cases(case_id=case_id))
    except Exception:
        return []
    return [case.as_curl_command() for case in chain[:-1]][-20:]


_BEARER = re.compile(r"(Authorization: Bearer )[^'\"\s]+")


def _strip_token(command: str) -> str:
    return _BEARER.sub(lambda m: m.group(1) + TOKEN_PLACEHOLDER, command)
