"""The contract: a Honcho version's document (or any --spec document) loaded once, and the views
other modules need of it.

The Honcho contracts (openapi.yaml for 3.0.12, overlays for the other versions) come from
the honcho_contracts data package, in a checkout as in an installed wheel. Each is OpenAPI 3.1 and stays the only place where routes, parameters and
bodies are declared. connexion 3.3 only accepts 3.0 documents (spec-first/connexion#1396),
and only uses the document for routing and the Swagger UI here, so we hand it a 3.0
*view* derived in memory at start-up (`openapi30_view`). Request validation does not
use that view: it validates against the original 3.1 schemas (`mockserver.contract.validation`),
so nothing is lost in translation where it matters.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote, urlsplit

import yaml

import honcho_contracts
from honcho_contracts import ApiVersion

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: a 3x faster start


class SpecError(ValueError):
    """A document honcho-mock cannot serve, said in one line (the CLI adds the file and --spec)."""


def yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error in one line: where (file, line, column) and what."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return str(problem)
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"


@dataclass(frozen=True)
class Operation:
    """One operation of the document, with its parameters merged from path level."""

    method: str
    path: str
    operation_id: str
    definition: dict[str, Any]
    parameters: tuple[dict[str, Any], ...] = field(default=())

    @property
    def request_body(self) -> dict[str, Any] | None:
        return self.definition.get("requestBody")

    @property
    def responses(self) -> dict[str, Any]:
        return self.definition.get("responses", {})


class Contract:
    """An OpenAPI document and its operations, indexed by operationId."""

    def __init__(self, document: dict[str, Any], source: Path | None = None) -> None:
        self.document = document
        self.source = source

    @classmethod
    def of_version(cls, version: ApiVersion) -> "Contract":
        """The contract of a Honcho version this project carries (its overlay applied to its base)."""
        return cls(version.document(), version.contract_path)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Contract":
        """The document at `path` (None: the newest released Honcho's contract); SpecError (one
        line, no traceback) for what cannot be served."""
        if path is None:
            return cls.of_version(honcho_contracts.default())
        path = Path(path)
        try:
            with path.open("rb") as fh:
                document = yaml.load(fh, Loader=_YAML_LOADER)
        except OSError as exc:
            raise SpecError(f"cannot read it: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise SpecError(f"not YAML or JSON: {yaml_problem(exc)}") from None
        if not isinstance(document, dict) or "paths" not in document:
            raise SpecError("not an OpenAPI document (no 'paths')")
        if "swagger" in document and "openapi" not in document:
            raise SpecError(f"a Swagger {document['swagger']} document; honcho-mock serves OpenAPI 3.0 and 3.1 "
                            "(convert it first, e.g. with swagger2openapi)")
        if not str(document.get("openapi", "")).startswith(("3.0", "3.1")):
            raise SpecError(f"OpenAPI {document.get('openapi')!r}: honcho-mock serves OpenAPI 3.0 and 3.1")
        contract = cls(document, path)
        contract.check_references()
        return contract

    def check_references(self) -> None:
        """Every `$ref` must name something in the document itself (the only kind served)."""
        stack: list[tuple[Any, str]] = [(self.document, "")]
        while stack:
            node, where = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str):
                    try:
                        self.pointer(ref)
                    except (KeyError, IndexError, TypeError, ValueError):
                        raise SpecError(f"$ref {ref!r} (at {where or '/'}) names nothing in the document") from None
                stack.extend((value, f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}")
                             for key, value in node.items())
            elif isinstance(node, list):
                stack.extend((value, f"{where}/{index}") for index, value in enumerate(node))

    @property
    def version(self) -> str:
        return str(self.document.get("openapi", ""))

    @property
    def base_path(self) -> str:
        """Where the API is mounted: the path of the first `servers` URL (its variables at their
        defaults), as connexion reads it; "" for the root."""
        servers = self.document.get("servers") or []
        if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
            return ""
        url = str(servers[0].get("url", ""))
        for name, variable in (servers[0].get("variables") or {}).items():
            if isinstance(variable, dict) and "default" in variable:
                url = url.replace("{" + str(name) + "}", str(variable["default"]))
        return urlsplit(url).path.rstrip("/")

    def iter_operations(self) -> Iterator[Operation]:
        for path, item in self.document.get("paths", {}).items():
            shared = [self.resolve(p) for p in item.get("parameters", [])]
            for method in HTTP_METHODS:
                definition = item.get(method)
                if definition is None:
                    continue
                own = [self.resolve(p) for p in definition.get("parameters", [])]
                names = {(p["name"], p["in"]) for p in own}
                merged = own + [p for p in shared if (p["name"], p["in"]) not in names]
                op_id = definition.get("operationId") or _synthetic_operation_id(method, path)
                yield Operation(method, path, op_id, definition, tuple(merged))

    @cached_property
    def operations(self) -> dict[str, Operation]:
        return {op.operation_id: op for op in self.iter_operations()}

    def resolve(self, node: Any) -> Any:
        """Follow a local `$ref` (possibly chained) to the object it names."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            node = self.pointer(node["$ref"])
            seen += 1
        return node

    def pointer(self, ref: str) -> Any:
        if ref == "#":
            return self.document
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node: Any = self.document
        for part in ref[2:].split("/"):
            part = unquote(part).replace("~1", "/").replace("~0", "~")  # a URI fragment: percent-encoded
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def validation_view(self) -> "Contract":
        """The contract with JSON Schema 2020-12 schemas, which is what validation speaks.

        A 3.1 document already is one; a 3.0 document's `nullable` and boolean
        `exclusiveMinimum`/`exclusiveMaximum` are rewritten (`_upgrade`) so that the same
        validators and example generator serve both versions.
        """
        if not self.version.startswith("3.0"):
            return self
        return Contract(_upgrade(copy.deepcopy(self.document)), self.source)

    def openapi30_view(self) -> dict[str, Any]:
        """A 3.0.3 rendering of the document, good enough for connexion's routing."""
        if self.version.startswith("3.0") or self.version.startswith("2"):
            view = copy.deepcopy(self.document)
        else:
            view = _downgrade(copy.deepcopy(self.document))
            view["openapi"] = "3.0.3"
            view.pop("webhooks", None)
            view.pop("jsonSchemaDialect", None)
            view.get("info", {}).pop("summary", None)
            view.get("info", {}).get("license", {}).pop("identifier", None)
        for path, item in view.get("paths", {}).items():
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict) and not op.get("operationId"):
                    op["operationId"] = _synthetic_operation_id(method, path)
        _route_path_params_as_text(view)
        return view


def _route_path_params_as_text(view: dict[str, Any]) -> None:
    """Path parameters routed as plain text: connexion would otherwise convert `integer` and
    `number` ones itself (and not route `/pets/abc` at all); the Dispatcher validates them
    against the real schema and answers FastAPI's 422."""
    params = list(view.get("components", {}).get("parameters", {}).values())
    for item in view.get("paths", {}).values():
        params += item.get("parameters", [])
        params += [p for m in HTTP_METHODS if isinstance(item.get(m), dict) for p in item[m].get("parameters", [])]
    for param in params:
        if isinstance(param, dict) and param.get("in") == "path":
            param["schema"] = {"type": "string"}


def _synthetic_operation_id(method: str, path: str) -> str:
    """Operations without an operationId still need a stable name for dispatch."""
    cleaned = "".join(c if c.isalnum() else "_" for c in path).strip("_")
    return f"{method}_{cleaned}"


def _downgrade(node: Any) -> Any:
    """Rewrite the JSON Schema 2020-12 spellings that OpenAPI 3.0 lacks, recursively."""
    if isinstance(node, list):
        return [_downgrade(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _downgrade(value) for key, value in node.items()}
    for union in ("anyOf", "oneOf"):
        branches = node.get(union)
        if isinstance(branches, list) and any(_is_null_schema(b) for b in branches):
            rest = [b for b in branches if not _is_null_schema(b)]
            del node[union]
            node["nullable"] = True
            if len(rest) == 1 and "$ref" in rest[0]:
                node["allOf"] = rest
            elif len(rest) == 1:
                node = {**rest[0], **node}
            elif rest:
                node[union] = rest
    kind = node.get("type")
    if isinstance(kind, list):
        others = [k for k in kind if k != "null"]
        if "null" in kind:
            node["nullable"] = True
        if len(others) == 1:
            node["type"] = others[0]
        else:
            node.pop("type")
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list):
        examples = node.pop("examples")
        if examples:
            node.setdefault("example", examples[0])
    if "contentMediaType" in node:
        node.pop("contentMediaType")
        node.setdefault("format", "binary")
    node.pop("contentEncoding", None)
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(bound)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            node[flag] = value
            node[bound] = True
    for key in ("$schema", "$id", "$defs", "unevaluatedProperties", "prefixItems", "if", "then", "else", "dependentSchemas", "dependentRequired",
                "propertyNames", "$comment"):
        node.pop(key, None)
    return node


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null" and len(schema) <= 2


_ANNOTATIONS = ("title", "description", "default", "example", "deprecated", "readOnly", "writeOnly")


def _upgrade(node: Any) -> Any:
    """Rewrite OpenAPI 3.0 schema spellings into JSON Schema 2020-12, recursively.

    `nullable: true` becomes `anyOf: [<schema>, {type: null}]` (the spelling pydantic
    emits and `validation` reads); `exclusiveMinimum: true` with `minimum: n` becomes
    `exclusiveMinimum: n` (same for the maximum).
    """
    if isinstance(node, list):
        return [_upgrade(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _upgrade(value) for key, value in node.items()}
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(flag), bool):
            if node.pop(flag) and bound in node:
                node[flag] = node.pop(bound)
    if node.get("nullable") is True:
        del node["nullable"]
        outer = {key: node.pop(key) for key in _ANNOTATIONS if key in node}
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        node = {**outer, "anyOf": [node, {"type": "null"}]}
    elif node.get("nullable") is False:
        del node["nullable"]
    return node
