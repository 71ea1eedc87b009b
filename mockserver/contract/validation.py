"""Request validation against openapi.yaml, answering the way the real server (FastAPI) does.

The real Honcho server is a FastAPI application: a rejected request gets a 422 whose
`detail` lists pydantic errors (`type`, `loc`, `msg`, `input`, `ctx`). Clients and SDKs
parse those, so the mock must produce the same items, not connexion's problem+json.

Validation itself is done by `jsonschema` (Draft 2020-12, which is what OpenAPI 3.1
schemas are) over the original 3.1 schemas; this module only compiles one validator per
operation at start-up, turns query strings into typed values the way pydantic reads
them, and translates jsonschema's errors into pydantic's vocabulary.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mockserver.contract.document import Contract, Operation
from mockserver.contract.field_aliases import as_sent, by_alias
from mockserver.contract.refusals import Refusal, read_refusal
from mockserver.errors import MAX_LISTED
from mockserver.json_text import has_lone_surrogate, parse_json
from mockserver.timestamps import parse_client_timestamp

JSON_MEDIA = "application/json"
MULTIPART_MEDIA = "multipart/form-data"
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_INT_TEXT = re.compile(r"^\s*[+-]?[0-9]+(\.0*)?\s*$", re.ASCII)  # `٣` is no integer to pydantic (Python's int() reads it)
_CONTRACT_URI = "urn:honcho-mock:contract"
KNOWN_PARAMETERS = 512  # parameter readings kept per operation (forgotten together when full)
PATTERN_ERROR = "x-pattern-error"  # openapi.yaml: a pattern a validator of the real server checks, and its message
FIELD_NAME = "x-field-name"  # openapi.yaml: a body property also accepted under its model's field name
LESS_THAN = "x-less-than"  # openapi.yaml: [{field, than, message}]: an object's field must be below another (docs/contract.md)
VALUE_ERRORS = "x-value-errors"  # [{check, message}]: the message of the first check a refused string fails (docs/contract.md)
VALUE_ERRORS_AT = "x-value-errors-at"  # `list`: that error names the list holding the string, as a list validator does
UNION_TAGS = "x-union-tags"  # on an anyOf: pydantic's name of each non-null branch, which its errors carry in `loc`


def is_json_media(content_type: str | None) -> bool:
    """FastAPI's rule: no content type, application/json or application/*+json."""
    if not content_type or content_type == "application/json":  # the common answers first, at no cost
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    if not media.startswith("application/"):
        return False
    subtype = media[len("application/") :]
    return subtype == "json" or subtype.endswith("+json")


@functools.lru_cache(maxsize=256)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    r"""A JSON Schema `pattern` (an ECMA 262 regex) for Python's `re`. In ECMA 262 (and in
    jsonschema_rs and pydantic) `$` matches only at the very end; Python's `$` also matches
    before a final newline, so `"bob\n"` would pass `^[a-zA-Z0-9_-]+$`. Each `$` outside a
    character class becomes `\Z`."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    return re.compile("".join(out))


_NOT_UNICODE = "string_unicode"


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterable[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    if has_lone_surrogate(instance):  # pydantic cannot even read it as a string to match
        yield ValidationError(_NOT_UNICODE)
    elif not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def storable_datetime(text: Any) -> bool:
    """`format: date-time`: RFC 3339 text (as jsonschema checks it) whose UTC form is still
    within years 1..9999; `9999-12-31T23:59:59-14:00` is a date-time no store can hold."""
    if not isinstance(text, str):
        return True
    if has_lone_surrogate(text) or not Draft202012Validator.FORMAT_CHECKER.conforms(text, "date-time"):
        return False
    try:
        parse_client_timestamp(text)
    except ValueError:
        return False
    return True


FORMATS = FormatChecker()
FORMATS.checkers = {**Draft202012Validator.FORMAT_CHECKER.checkers, "date-time": (storable_datetime, ())}


def _broken_orders(validator: Any, rules: Any, instance: Any, schema: Any) -> Iterable[str]:
    """The messages of the `x-less-than` rules `instance` breaks: both fields given as numbers
    that their own schemas take (pydantic runs a model's validator only once its fields are
    valid), and the first not below the second."""
    if not isinstance(instance, dict) or not isinstance(rules, list):
        return
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    for rule in rules:
        low, high = instance.get(rule.get("field")), instance.get(rule.get("than"))
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)) or low < high:
            continue
        if validator is None or all(validator.evolve(schema=properties.get(rule[k], True)).is_valid(instance[rule[k]])
                                    for k in ("field", "than")):
            yield str(rule.get("message", f"{rule['field']} must be less than {rule['than']}"))


def _less_than(validator: Any, rules: Any, instance: Any, schema: Any) -> Iterable[ValidationError]:
    for message in _broken_orders(validator, rules, instance, schema):
        yield ValidationError(message)


class _FastLessThan:
    """`x-less-than` for jsonschema_rs: the fast path must find the same bodies invalid."""

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        self.schema, self.rules = parent_schema, value

    def validate(self, instance: Any) -> None:
        for message in _broken_orders(None, self.rules, instance, self.schema):
            raise ValueError(message)


# Draft 2020-12 with ECMA `pattern` semantics: it lists the errors of the requests that
# jsonschema_rs (the fast path) finds invalid, so both must read patterns alike.
_ErrorLister = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern, LESS_THAN: _less_than})


class ContractValidator:
    """Compiled validators for every operation of a contract."""

    def __init__(self, contract: Contract) -> None:
        resource = Resource.from_contents(contract.document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(_CONTRACT_URI, resource)
        self._fast_registry: Any = None
        self._contract = contract
        components = contract.document.get("components", {}).get("schemas", {})
        self._enum_classes = frozenset(name for name, schema in components.items() if isinstance(schema, dict) and "enum" in schema)
        self._operations = {
            op_id: OperationValidator(self, op) for op_id, op in contract.operations.items()
        }

    def __getitem__(self, operation_id: str) -> "OperationValidator":
        return self._operations[operation_id]

    def schema_validator(self, schema: dict[str, Any]) -> "CompiledSchema":
        """A validator whose local `$ref`s resolve inside the contract document."""
        rooted = _reroot_refs(schema)
        python = _ErrorLister(rooted, registry=self._registry, format_checker=FORMATS)
        if self._fast_registry is None:
            self._fast_registry = jsonschema_rs.Registry([(_CONTRACT_URI, self._contract.document)])
        fast = jsonschema_rs.validator_for(rooted, registry=self._fast_registry, validate_formats=True,
                                           keywords={LESS_THAN: _FastLessThan},
                                           formats={"date-time": storable_datetime})
        return CompiledSchema(python, fast, self._enum_classes)

    def resolve(self, node: Any) -> Any:
        return self._contract.resolve(node)


@dataclass(frozen=True)
class CompiledSchema:
    """One schema compiled twice: jsonschema_rs answers "valid?" in microseconds on the
    hot path; the Python validator runs only for invalid input, to list its errors."""

    python: Any  # _ErrorLister: Draft 2020-12 with ECMA patterns
    fast: Any
    enum_classes: frozenset[str] = frozenset()  # the components that are Enum classes (pydantic's "enum" error)

    def is_valid(self, instance: Any) -> bool:
        try:
            return bool(self.fast.is_valid(instance))
        except UnicodeEncodeError:  # a lone surrogate somewhere: Rust strings cannot hold it
            return next(self.python.iter_errors(instance), None) is None

    def errors(self, instance: Any) -> list[ValidationError]:
        """The first errors of an invalid instance: the listing stops after a bounded number,
        so a million bad items cost the same as a hundred (no other client waits on it)."""
        if self.is_valid(instance):
            return []
        return list(itertools.islice(self.python.iter_errors(instance), MAX_LISTED * 4))


def _reroot_refs(node: Any) -> Any:
    """Point `#/components/...` references at the registered contract document."""
    if isinstance(node, dict):
        return {
            key: (_CONTRACT_URI + value if key == "$ref" and isinstance(value, str) and value.startswith("#") else _reroot_refs(value))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_reroot_refs(item) for item in node]
    return node


@dataclass
class _Param:
    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    scalar_type: str | None
    default: Any
    validator: CompiledSchema
    repeated: bool = False  # a query parameter given as a list (`?sessions=a&sessions=b`)


class OperationValidator:
    """Parses and validates one operation's path, query and body."""

    def __init__(self, owner: ContractValidator, operation: Operation) -> None:
        self.operation = operation
        self._owner = owner
        self._params: list[_Param] = []
        for raw in operation.parameters:
            if raw.get("in") not in ("path", "query", "header"):
                continue
            schema = owner.resolve(raw.get("schema", {}))
            self._params.append(
                _Param(
                    name=raw["name"],
                    location=raw["in"],
                    required=bool(raw.get("required")),
                    schema=schema,
                    scalar_type=_scalar_type(owner, schema),
                    default=schema.get("default"),
                    validator=owner.schema_validator(schema),
                    repeated=raw["in"] == "query" and _takes_list(owner, schema),
                )
            )
        self.takes_lists = any(param.repeated for param in self._params)
        body = owner.resolve(operation.request_body) if operation.request_body else None
        self.body_required = bool(body and body.get("required"))
        content = (body or {}).get("content", {})
        self.body_media = next(iter(content), None)
        body_schema = content.get(self.body_media, {}).get("schema", {}) if self.body_media else {}
        self._body_schema = body_schema
        self._body_validator = owner.schema_validator(body_schema) if self.body_media else None
        self._body_kind = _body_kind(owner, body_schema)
        self._integers = _integer_fields(owner, body_schema, depth=0)
        self.field_names = field_names(owner, body_schema)
        self._refusal = _refusal(owner, body_schema)
        self._cacheable = not any(param.location == "header" for param in self._params)  # headers vary too much
        self._known: dict[tuple[tuple[Any, ...], bytes], tuple[dict[str, str], dict[str, Any]]] = {}

    @property
    def takes_multipart(self) -> bool:
        return self.body_media == MULTIPART_MEDIA

    def parameters(
        self, path_params: Mapping[str, Any], query_string: bytes, headers: Mapping[str, str]
    ) -> tuple[dict[str, str], dict[str, Any], list[dict[str, Any]]]:
        """`parse_parameters` of a raw query string. The typed values of the path values and
        query strings valid last time are remembered (clients page through a list, or poll
        one, with the same ones: `page=1&size=50` is read once, not on every request) and
        answered as fresh copies; a request with errors is read anew each time."""
        key = (tuple(path_params.values()), query_string) if self._cacheable else None
        if key is not None:
            known = self._known.get(key)
            if known is not None:
                return dict(known[0]), dict(known[1]), []
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True) if query_string else []
        repeated: dict[str, list[str]] | None = None
        if self.takes_lists and pairs:  # parameters that take a list read every value of their key
            repeated = {}
            for name, value in pairs:
                repeated.setdefault(name, []).append(value)
        path, values, errors = self.parse_parameters(path_params, dict(pairs), headers, repeated)
        if key is not None and not errors and repeated is None:  # lists are not shared between requests
            if len(self._known) >= KNOWN_PARAMETERS:
                self._known.clear()
            self._known[key] = (path, values)
            return dict(path), dict(values), errors
        return path, values, errors

    def parse_parameters(
        self, path_params: Mapping[str, str], query: Mapping[str, str], headers: Mapping[str, str],
        repeated: Mapping[str, list[str]] | None = None,
    ) -> tuple[dict[str, str], dict[str, Any], list[dict[str, Any]]]:
        """Typed path and query values, plus the errors found (not raised: the body adds more).
        `repeated`: every value of each query key, for the parameters that take a list."""
        errors: list[dict[str, Any]] = []
        path: dict[str, str] = {}
        values: dict[str, Any] = {}
        for param in self._params:
            source = path_params if param.location == "path" else query if param.location == "query" else headers
            raw = source.get(param.name if param.location != "header" else param.name.lower())
            if raw is None and param.location == "path":  # connexion routes `{pet-id}` as `pet_id`
                raw = source.get(param.name.replace("-", "_"))
            if param.repeated and raw is not None:
                listed = (repeated or {}).get(param.name, [raw])
                found = _schema_errors(param.validator, listed, [param.location, param.name])
                errors.extend(found)
                if not found:
                    values[param.name] = listed
                continue
            if raw is None:
                if param.required:
                    errors.append({"type": "missing", "loc": [param.location, param.name], "msg": "Field required", "input": None})
                elif param.location == "query":
                    values[param.name] = param.default
                continue
            value, problem = _coerce(param.scalar_type, raw)
            if problem:
                errors.append(_item(problem[0], [param.location, param.name], problem[1], raw))
                continue
            found = _schema_errors(param.validator, value, [param.location, param.name])
            for item in found:
                item["input"] = raw
            errors.extend(found)
            if not found:
                (path if param.location == "path" else values)[param.name] = value
        return path, values, errors

    def check_json_body(self, raw: bytes, content_type: str | None) -> tuple[Any, list[dict[str, Any]]]:
        """The parsed JSON body and its errors, as FastAPI reads a JSON body."""
        if not raw:
            if self.body_required:
                return None, [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
            return None, []
        if is_json_media(content_type):
            body = parse_json(raw)
        else:
            body = raw.decode("utf-8", "replace")
        if body is None:  # JSON null is an absent body to FastAPI
            if self.body_required:
                return None, [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
            return None, []
        if isinstance(body, str) and not is_json_media(content_type):
            kind = self._body_kind
            error_type, msg = _TOP_LEVEL_TYPE_ERRORS.get(kind, _TOP_LEVEL_TYPE_ERRORS["model"])
            return None, [{"type": error_type, "loc": ["body"], "msg": msg, "input": body}]
        assert self._body_validator is not None
        sent = body
        body, renamed = by_alias(self.field_names, body)
        errors = _schema_errors(self._body_validator, body, ["body"])
        if errors and self._refusal is not None:
            errors = self._refusal.apply(errors)
        if renamed and errors:
            errors = [as_sent(item, renamed, sent) for item in errors]
        if not errors and self._integers is not None:
            body = _as_integers(self._integers, body)
        return body, errors

    def check_form(self, form: Mapping[str, Any], is_file: Any) -> list[dict[str, Any]]:
        """Multipart fields: required ones present, files where the schema wants binary."""
        schema = self._owner.resolve(self._body_schema)
        errors: list[dict[str, Any]] = []
        properties = schema.get("properties", {})
        form = {name: value for name, value in form.items() if value != ""}  # FastAPI reads an empty form field as absent
        wants_files = {name for name, prop in properties.items() if "contentMediaType" in prop or prop.get("format") == "binary"}
        required = schema.get("required", [])
        for name in sorted(required, key=lambda name: name in wants_files):  # FastAPI reports form fields, then files
            if name not in form:
                errors.append({"type": "missing", "loc": ["body", name], "msg": "Field required", "input": None})
        for name, prop in properties.items():
            if name not in form:
                continue
            wants_file = "contentMediaType" in prop or prop.get("format") == "binary"
            if wants_file and not is_file(form[name]):
                errors.append({"type": "value_error", "loc": ["body", name],
                               "msg": f"Value error, Expected UploadFile, received: {type(form[name])}",
                               "input": form[name], "ctx": {"error": {}}})
            elif not wants_file and is_file(form[name]):
                errors.append({"type": "string_type", "loc": ["body", name],
                               "msg": "Input should be a valid string", "input": None})
        return errors


def field_names(owner: "ContractValidator", schema: Any) -> dict[str, str]:
    """`{alias: field name}` of a body model's properties that declare `x-field-name`.

    Honcho's create models are pydantic models with `populate_by_name`: `{"name": "x"}`
    is read as `{"id": "x"}`. openapi.yaml says so once, on the property; every
    operation's validator (and so every handler) sees the alias only."""
    model = _non_null(owner, schema) if isinstance(schema, dict) else {}
    return {alias: prop[FIELD_NAME] for alias, prop in model.get("properties", {}).items()
            if isinstance(prop, dict) and isinstance(prop.get(FIELD_NAME), str)}


_TOP_LEVEL_TYPE_ERRORS = {
    "model": ("model_attributes_type", "Input should be a valid dictionary or object to extract fields from"),
    "dict": ("dict_type", "Input should be a valid dictionary"),
    "list": ("list_type", "Input should be a valid list"),
}


def _non_null(owner: ContractValidator, schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of `anyOf [X, null]`, resolved; else the schema itself."""
    schema = owner.resolve(schema)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(branches, list):
        rest = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
        if len(rest) == 1:
            return owner.resolve(rest[0])
    return schema


IntegerFields = dict  # field name (or "[]" for list items, "{}" for map values) -> IntegerFields | True


def _integer_fields(owner: ContractValidator, schema: Any, depth: int) -> IntegerFields | bool | None:
    """Where a body holds integer-typed values: True at an integer, a tree of them above.

    JSON Schema accepts 3.0 as an integer, and so does pydantic, which hands the handler
    the int 3: bodies are normalised the same way so handlers can slice and count with them.
    """
    if depth > 12 or not isinstance(schema, dict):
        return None
    schema = _non_null(owner, schema)
    if schema.get("type") == "integer":
        return True
    found: IntegerFields = {}
    for name, sub in schema.get("properties", {}).items():
        inner = _integer_fields(owner, sub, depth + 1)
        if inner is not None:
            found[name] = inner
    for key, part in (("[]", schema.get("items")), ("{}", schema.get("additionalProperties"))):
        inner = _integer_fields(owner, part, depth + 1)
        if inner is not None:
            found[key] = inner
    return found or None


def _as_integers(fields: IntegerFields | bool, value: Any) -> Any:
    if fields is True:
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if isinstance(value, list) and "[]" in fields:
        return [_as_integers(fields["[]"], item) for item in value]
    if isinstance(value, dict):
        return {key: _as_integers(fields[key], item) if key in fields else
                (_as_integers(fields["{}"], item) if "{}" in fields else item) for key, item in value.items()}
    return value


def _takes_list(owner: ContractValidator, schema: dict[str, Any]) -> bool:
    return _non_null(owner, schema).get("type") == "array"


def _scalar_type(owner: ContractValidator, schema: dict[str, Any]) -> str | None:
    kind = _non_null(owner, schema).get("type")
    return kind if kind in ("integer", "number", "boolean") else None


def _body_kind(owner: ContractValidator, schema: dict[str, Any]) -> str:
    inner = _non_null(owner, schema)
    if inner.get("type") == "array":
        return "list"
    if inner.get("type") == "object" and not inner.get("properties"):
        return "dict"
    return "model"


def _coerce(kind: str | None, raw: str) -> tuple[Any, tuple[str, str] | None]:
    """Read a query string as pydantic does in lax mode; a failure is (type, msg)."""
    if kind == "integer":
        if _INT_TEXT.match(raw):
            try:
                return int(raw.strip().split(".", 1)[0]), None
            except ValueError:
                pass
        return None, ("int_parsing", "Input should be a valid integer, unable to parse string as an integer")
    if kind == "number":
        try:
            if not raw.isascii():  # float() reads other scripts' digits; pydantic does not
                raise ValueError(raw)
            value = float(raw)
        except ValueError:
            return None, ("float_parsing", "Input should be a valid number, unable to parse string as a number")
        if math.isnan(value) or math.isinf(value):
            return None, ("finite_number", "Input should be a finite number")
        return value, None
    if kind == "boolean":
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True, None
        if lowered in _FALSE:
            return False, None
        return None, ("bool_parsing", "Input should be a valid boolean, unable to interpret input")
    return raw, None


def _schema_errors(validator: CompiledSchema, instance: Any, prefix: list[Any]) -> list[dict[str, Any]]:
    try:
        raw_errors = validator.errors(instance)
    except RecursionError:
        return [{"type": "recursion_loop", "loc": list(prefix), "msg": "Recursion error - cyclic reference detected", "input": None}]
    if not raw_errors:
        return []
    # pydantic reports one error per location: the first constraint that fails, in its order
    best: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    for error in raw_errors:
        rank = _CHECK_ORDER.get(error.validator, len(_CHECK_ORDER))
        for item in _translate(error, prefix):
            key = tuple(item["loc"])
            if key not in best or rank < best[key][0]:
                best[key] = (rank, item)
    items = [item for _, item in best.values()]
    for item in items:
        if ENUM_TITLE in item and item.pop(ENUM_TITLE) in validator.enum_classes:
            item["type"] = "enum"
    if any(AT_LIST in item for item in items):
        items = _at_lists(items, instance, len(prefix))
    too_long = [tuple(item["loc"]) for item in items if item["type"] == "too_long"]
    if too_long:  # pydantic stops reading a list at its bound: no errors of its items
        items = [item for item in items if not any(len(item["loc"]) > len(bound) and tuple(item["loc"][:len(bound)]) == bound
                                                   for bound in too_long)]
    return items


ENUM_TITLE = "_enum_title"  # an enum's title: a component's name when the enum is an Enum class
AT_LIST = "_at_list"  # an error item to be named by the list holding its value (x-value-errors-at: list)


def _at_lists(items: list[dict[str, Any]], root: Any, skip: int) -> list[dict[str, Any]]:
    """Errors of list items that the list's own validator reports: one per list, the first
    item's message, the whole list as input."""
    out: list[dict[str, Any]] = []
    seen = {tuple(item["loc"]) for item in items if AT_LIST not in item}  # the list's own errors come first
    for item in items:
        if not item.pop(AT_LIST, False):
            out.append(item)
            continue
        loc = item["loc"][:-1]
        if tuple(loc) in seen:
            continue
        seen.add(tuple(loc))
        value = root
        for step in loc[skip:]:
            value = value[step]
        out.append({**item, "loc": loc, "input": value})
    return out


_CHECK_ORDER = {name: rank for rank, name in enumerate(
    ("required", "anyOf", "oneOf", "type", "enum", "const", "format", "minLength", "maxLength", "minItems", "maxItems",
     "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern"))}


def _translate(error: ValidationError, prefix: list[Any]) -> Iterable[dict[str, Any]]:
    """One jsonschema error as pydantic error items."""
    loc = [*prefix, *error.absolute_path]
    keyword = error.validator
    value = error.validator_value
    instance = error.instance
    if "propertyNames" in error.relative_schema_path and isinstance(instance, str):
        loc.append(instance)  # a map key breaking `propertyNames`: pydantic names the key itself
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword in ("anyOf", "oneOf"):
        wanted = [i for i, b in enumerate(value) if not (isinstance(b, dict) and b.get("type") == "null")]
        tags = schema.get(UNION_TAGS)
        if isinstance(tags, list) and len(tags) == len(wanted):  # pydantic reports every branch, named by its tag
            at = len(loc)
            for tag, branch in zip(tags, wanted):
                for sub in error.context or []:
                    if sub.relative_schema_path and sub.relative_schema_path[0] == branch:
                        for item in _translate(sub, prefix):
                            yield {**item, "loc": [*item["loc"][:at], tag, *item["loc"][at:]]}
            return
        inner = [e for e in error.context or [] if e.relative_schema_path and e.relative_schema_path[0] in wanted[:1]]
        if inner:
            for sub in inner:
                yield from _translate(sub, prefix)
            return
        yield _item("union_tag_invalid" if keyword == "oneOf" else "value_error", loc, "Input does not match any allowed schema", instance)
        return
    if keyword == "required":
        for name in value:
            if isinstance(instance, dict) and name not in instance:
                yield _item("missing", [*loc, name], "Field required", instance)
        return
    if keyword in ("additionalProperties", "unevaluatedProperties") and value is False and isinstance(instance, dict):
        known = set(schema.get("properties", {}))
        for name in instance:
            if name not in known:
                yield _item("extra_forbidden", [*loc, name], "Extra inputs are not permitted", instance[name])
        return
    if keyword == "type":
        if "enum" in schema or "const" in schema:  # pydantic checks an enum's members, not the type first
            keyword = "enum" if "enum" in schema else "const"
            yield _constraint_error(keyword, schema[keyword], schema, loc, instance, error)
            return
        yield _type_error(value, schema, loc, instance)
        return
    yield _value_error(schema, keyword, loc, instance) or _constraint_error(keyword, value, schema, loc, instance, error)


def _value_error(schema: dict[str, Any], keyword: str, loc: list[Any], instance: Any) -> dict[str, Any] | None:
    """`x-value-errors`: a string refused by a rule the checks cover gets the message of the
    first check it fails, as a pydantic validator raising ValueError words it."""
    checks = schema.get(VALUE_ERRORS)
    if not isinstance(checks, list) or not isinstance(instance, str):
        return None
    if keyword not in {key for check in checks for key in check.get("check", {})}:
        return None
    message = next((c["message"] for c in checks if not _check_validator(json.dumps(c["check"])).is_valid(instance)), None)
    if message is None:
        return None
    item = _item("value_error", loc, f"Value error, {message}", instance, {"error": {}})
    if schema.get(VALUE_ERRORS_AT) == "list":
        item[AT_LIST] = True
    return item


@functools.lru_cache(maxsize=64)
def _check_validator(check: str) -> Any:
    return _ErrorLister(json.loads(check))


def _item(kind: str, loc: list[Any], msg: str, instance: Any, ctx: dict[str, Any] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"type": kind, "loc": loc, "msg": msg, "input": instance}
    if ctx is not None:
        item["ctx"] = ctx
    return item


_TYPE_ERRORS = {
    "string": ("string_type", "Input should be a valid string"),
    "integer": ("int_type", "Input should be a valid integer"),
    "number": ("float_type", "Input should be a valid number"),
    "boolean": ("bool_type", "Input should be a valid boolean"),
    "array": ("list_type", "Input should be a valid list"),
    "null": ("none_required", "Input should be None"),
}


def _type_error(expected: Any, schema: dict[str, Any], loc: list[Any], instance: Any) -> dict[str, Any]:
    kind = expected[0] if isinstance(expected, list) and expected else expected
    if kind == "integer" and isinstance(instance, float) and not isinstance(instance, bool):
        return _item("int_from_float", loc, "Input should be a valid integer, got a number with a fractional part", instance)
    lax = _lax_refusal(kind, schema, loc, instance)
    if lax is not None:
        return lax
    if kind == "object":
        if schema.get("properties"):
            return _item("model_attributes_type", loc, "Input should be a valid dictionary or object to extract fields from", instance)
        return _item("dict_type", loc, "Input should be a valid dictionary", instance)
    error_type, msg = _TYPE_ERRORS.get(kind, ("value_error", f"Input should be of type {kind}"))
    return _item(error_type, loc, msg, instance)


def _lax_refusal(kind: Any, schema: dict[str, Any], loc: list[Any], instance: Any) -> dict[str, Any] | None:
    """The error the real server's lax pydantic gives a value of the wrong JSON type, where
    it refuses the value too. The contract's types stay strict (a value pydantic would
    coerce, such as `0` for a boolean, is still refused, with the plain type error: a
    documented deviation), but a value both refuse gets pydantic's own error type."""
    if kind == "boolean":
        if isinstance(instance, str) and instance.strip().lower() not in _TRUE | _FALSE \
                or isinstance(instance, (int, float)) and not isinstance(instance, bool) and instance not in (0, 1) \
                and abs(instance) < 2 ** 63:  # past an int64 pydantic gives up reading a number as a bool: bool_type
            return _item("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", instance)
        return None
    if kind not in ("integer", "number"):
        is_number = isinstance(instance, (int, float)) and not isinstance(instance, bool)  # pydantic reads it as a time
        if kind == "string" and schema.get("format") == "date-time" and not is_number:
            return _item("datetime_type", loc, "Input should be a valid datetime", instance)
        return None
    read: Any = None
    if isinstance(instance, bool):
        read = int(instance)
    elif isinstance(instance, str):
        read, problem = _coerce(kind, instance)
        if problem:
            return _item(problem[0], loc, problem[1], instance)
    if read is None:
        return None
    for keyword, check in (("minimum", lambda b: read >= b), ("maximum", lambda b: read <= b),
                           ("exclusiveMinimum", lambda b: read > b), ("exclusiveMaximum", lambda b: read < b)):
        bound = schema.get(keyword)
        if isinstance(bound, (int, float)) and not isinstance(bound, bool) and not check(bound):
            return _constraint_error(keyword, bound, schema, loc, instance, None)
    return None


def _shown(bound: Any) -> Any:
    """A bound as pydantic prints it in a message: `0` for 0.0 (ctx keeps the float)."""
    return int(bound) if isinstance(bound, float) and bound.is_integer() else bound


def _number(value: Any, schema: dict[str, Any]) -> Any:
    if schema.get("type") == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _plural(count: Any, word: str) -> str:
    return word if count == 1 else word + "s"


def _constraint_error(keyword: str, value: Any, schema: dict[str, Any], loc: list[Any], instance: Any,
                      error: ValidationError | None) -> dict[str, Any]:
    bound = _number(value, schema)
    if keyword == "minimum":
        return _item("greater_than_equal", loc, f"Input should be greater than or equal to {_shown(bound)}", instance, {"ge": bound})
    if keyword == "maximum":
        return _item("less_than_equal", loc, f"Input should be less than or equal to {_shown(bound)}", instance, {"le": bound})
    if keyword == "exclusiveMinimum":
        return _item("greater_than", loc, f"Input should be greater than {_shown(bound)}", instance, {"gt": bound})
    if keyword == "exclusiveMaximum":
        return _item("less_than", loc, f"Input should be less than {_shown(bound)}", instance, {"lt": bound})
    if keyword == "minLength":
        return _item("string_too_short", loc, f"String should have at least {value} {_plural(value, 'character')}", instance, {"min_length": value})
    if keyword == "maxLength":
        return _item("string_too_long", loc, f"String should have at most {value} {_plural(value, 'character')}", instance, {"max_length": value})
    if keyword == "pattern" and error.message == _NOT_UNICODE:
        return _item("string_unicode", loc, "Input should be a valid string, unable to parse raw data as a unicode string", instance)
    if keyword == LESS_THAN:
        return _item("value_error", loc, f"Value error, {error.message if error else keyword}", instance, {"error": {}})
    if keyword == "pattern" and isinstance(schema.get(PATTERN_ERROR), str):
        return _item("value_error", loc, f"Value error, {schema[PATTERN_ERROR]}", instance, {"error": {}})
    if keyword == "pattern":
        return _item("string_pattern_mismatch", loc, f"String should match pattern '{value}'", instance, {"pattern": value})
    if keyword == "minItems":
        actual = len(instance) if isinstance(instance, list) else 0
        return _item("too_short", loc, f"List should have at least {value} {_plural(value, 'item')} after validation, not {actual}", instance,
                     {"field_type": "List", "min_length": value, "actual_length": actual})
    if keyword == "maxItems":
        actual = len(instance) if isinstance(instance, list) else 0
        return _item("too_long", loc, f"List should have at most {value} {_plural(value, 'item')} after validation, not {actual}", instance,
                     {"field_type": "List", "max_length": value, "actual_length": actual})
    if keyword in ("enum", "const"):
        options = value if keyword == "enum" else [value]
        expected = _join_options([repr(o) if isinstance(o, str) else json.dumps(o) for o in options])
        item = _item("literal_error", loc, f"Input should be {expected}", instance, {"expected": expected})
        if keyword == "enum":  # an Enum class (a component, "enum") or a Literal field (inline): _schema_errors tells
            item[ENUM_TITLE] = schema.get("title")
        return item
    if keyword == "format" and value == "date-time" and isinstance(instance, str) and not has_lone_surrogate(instance) \
            and Draft202012Validator.FORMAT_CHECKER.conforms(instance, "date-time"):
        return _item("value_error", loc, "Value error, date-time out of range: its UTC form must fall in years 1..9999",
                     instance, {"error": {}})
    if keyword == "format" and value in ("date-time", "date"):
        reason = _datetime_problem(instance) if isinstance(instance, str) else "invalid character in year"
        return _item("datetime_from_date_parsing", loc, f"Input should be a valid datetime or date, {reason}", instance, {"error": reason})
    message = error.message if error is not None else keyword
    return _item("value_error", loc, f"Value error, {message}", instance, {"error": message})


def _datetime_problem(text: str) -> str:
    """The first problem pydantic's date parser names in a text that is no date-time."""
    if len(text) < 10:
        return "input is too short"
    if not text[:4].isascii() or not text[:4].isdigit():
        return "invalid character in year"
    if text[4] != "-" or text[7] != "-":
        return "invalid date separator"
    if not text[5:7].isascii() or not text[5:7].isdigit():
        return "invalid character in month"
    if not text[8:10].isascii() or not text[8:10].isdigit():
        return "invalid character in day"
    if not 1 <= int(text[5:7]) <= 12:
        return "month value is outside expected range"
    return "invalid character in year" if len(text) == 10 else "unexpected extra characters at the end of the input"


def _join_options(options: list[str]) -> str:
    if len(options) <= 1:
        return "".join(options)
    return ", ".join(options[:-1]) + " or " + options[-1]


def _refusal(owner: ContractValidator, schema: dict[str, Any]) -> Refusal | None:
    """The body schema's `x-refusal`, if it declares one (mockserver/contract/refusals.py)."""
    return read_refusal(owner.resolve(schema).get("x-refusal") if isinstance(schema, dict) and schema else None)
