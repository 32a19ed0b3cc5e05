"""The Compose Specification schema, checked as Compose checks it, with the line of the fault.

Compose validates every YAML document of every file against its JSON schema before anything
else and refuses the project on the first fault. grader/schemas/compose-spec.json is the schema
embedded in the reference Compose (2.26.1, compose-go v2). The keywords it uses (type, $ref,
properties, patternProperties, additionalProperties, items, oneOf, enum, required, uniqueItems,
minimum, maximum) are checked here directly on the located YAML: the jsonschema package takes
longer to import than grading a submission does, and it could not say which line is at fault.
Scalars are typed as Compose's YAML parser types them (grader.submission.goyaml: `yes` and `on`
are strings).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from grader.errors import InputError
from grader.submission.yamlfile import YMap, YNode, YScalar, YSeq

_NAMES = {
    "object": "mapping",
    "array": "list",
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    return json.loads(
        (Path(__file__).resolve().parent.parent / "schemas" / "compose-spec.json").read_text(encoding="utf-8")
    )


def yaml12(node: YScalar) -> Any:
    """A scalar typed as YAML 1.2's core schema types it (go-yaml v3, which Compose uses)."""
    if node.tag is not None and node.tag not in ("!reset", "!override"):
        return node.raw
    return node.value


def _type_of(node: YNode) -> tuple[str, Any]:
    if isinstance(node, YMap):
        return "object", None
    if isinstance(node, YSeq):
        return "array", None
    assert isinstance(node, YScalar)  # a node is a mapping, a list or a scalar
    v = yaml12(node)
    if v is None:
        return "null", v
    if isinstance(v, bool):
        return "boolean", v
    if isinstance(v, int):
        return "integer", v
    if isinstance(v, float):
        return ("integer" if v.is_integer() else "number"), v
    return "string", v


def _matches_type(actual: str, wanted: str | list[str]) -> bool:
    wanted_list = wanted if isinstance(wanted, list) else [wanted]
    return actual in wanted_list or (actual == "integer" and "number" in wanted_list)


class _Fault(Exception):
    def __init__(self, path: str, message: str, line: int):
        self.path, self.message, self.line = path, message, line


def _where(path: str) -> str:
    return path or "the file"


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = schema["$ref"]
        schema = root
        for part in ref.lstrip("#/").split("/"):
            schema = schema[part]
    return schema


def _check(node: YNode, schema: dict[str, Any], path: str, root: dict[str, Any]) -> None:
    schema = _resolve(schema, root)
    actual, value = _type_of(node)
    if "type" in schema and not _matches_type(actual, schema["type"]):
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        raise _Fault(path, f"{_where(path)} must be a {' or '.join(_NAMES[t] for t in types)}", node.line)
    if "enum" in schema and value not in schema["enum"] and actual not in ("object", "array"):
        raise _Fault(path, f"{_where(path)} must be one of: {', '.join(map(str, schema['enum']))}", node.line)
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        raise _Fault(path, f"{_where(path)} must be at least {schema['minimum']}", node.line)
    if "maximum" in schema and isinstance(value, (int, float)) and value > schema["maximum"]:
        raise _Fault(path, f"{_where(path)} must be at most {schema['maximum']}", node.line)
    if "oneOf" in schema:
        _one_of(node, schema["oneOf"], path, root)
    if isinstance(node, YMap):
        for key in schema.get("required", ()):
            if key not in node.items:
                raise _Fault(path, f"{_where(path)} needs `{key}`", node.line)
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties", True)
        for key, child in node.items.items():
            sub = f"{path}.{key}" if path else key
            matched = False
            if key in props:
                matched = True
                _check(child, props[key], sub, root)
            for pattern, pschema in patterns.items():
                if re.search(pattern, key):
                    matched = True
                    _check(child, pschema, sub, root)
            if not matched:
                if extra is False:
                    raise _Fault(path, f"{_where(path)}: Compose does not allow the key {key!r}", node.line_of(key))
                if isinstance(extra, dict):
                    _check(child, extra, sub, root)
    elif isinstance(node, YSeq):
        items = schema.get("items")
        if isinstance(items, dict):
            for i, child in enumerate(node.items):
                _check(child, items, f"{path}[{i}]", root)
        if schema.get("uniqueItems"):
            seen: dict[str, int] = {}
            for child in node.items:
                key = json.dumps(_plain12(child), sort_keys=True, default=str)
                if key in seen:
                    raise _Fault(path, f"{_where(path)} lists {key} twice", child.line)
                seen[key] = 1


def _one_of(node: YNode, branches: list[dict[str, Any]], path: str, root: dict[str, Any]) -> None:
    faults: list[tuple[bool, _Fault]] = []
    ok = 0
    actual, _ = _type_of(node)
    for b in branches:
        try:
            _check(node, b, path, root)
            ok += 1
        except _Fault as f:
            resolved = _resolve(b, root)
            faults.append(("type" in resolved and _matches_type(actual, resolved["type"]), f))
    if ok == 1:
        return
    if ok > 1:
        raise _Fault(path, f"{_where(path)} matches more than one allowed form", node.line)
    typed = [f for same, f in faults if same]
    if typed:
        raise typed[0]
    raise faults[0][1] if faults else _Fault(path, f"{_where(path)} is not valid", node.line)


def _plain12(node: YNode) -> Any:
    if isinstance(node, YMap):
        return {k: _plain12(v) for k, v in node.items.items()}
    if isinstance(node, YSeq):
        return [_plain12(i) for i in node.items]
    assert isinstance(node, YScalar)  # a node is a mapping, a list or a scalar
    return yaml12(node)


def validate(node: YNode, rel: str) -> None:
    """Refuse a document that Compose's schema refuses: InputError with file:line."""
    try:
        _check(node, spec(), "", spec())
    except _Fault as f:
        raise InputError(
            f"Compose refuses this file: {f.message}", getattr(f.line, "file", None) or rel, f.line
        ) from None
