"""JSON Schema validation for exports: `jsonschema` when installed, else a checker for the keywords used."""

from __future__ import annotations

import re
from datetime import datetime

# Keywords the fallback understands; a schema using any other one is refused, never half-checked.
SUPPORTED = {
    "$schema",
    "$id",
    "title",
    "description",
    "type",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "pattern",
    "enum",
    "format",
}
_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "number": (int, float),
    "integer": int,
    "null": type(None),
}


def schema_errors(document: object, schema: dict) -> list[str]:
    """Every place the document breaks the schema (empty when it validates)."""
    try:
        import jsonschema
    except ImportError:
        return _check(document, schema, "$")
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(document)]


def _check(value: object, schema: dict, path: str) -> list[str]:
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise ValueError(f"schema keywords not supported by the fallback: {sorted(unknown)}")
    errors = _scalar(value, schema, path)
    if errors:
        return errors
    if isinstance(value, dict):
        errors += _object(value, schema, path)
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += _check(item, schema["items"], f"{path}[{index}]")
    return errors


def _scalar(value: object, schema: dict, path: str) -> list[str]:
    expected = schema.get("type")
    if expected and not _is_type(value, expected):
        return [f"{path}: expected {expected}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: not one of {schema['enum']}"]
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        return [f"{path}: does not match {schema['pattern']}"]
    if isinstance(value, str) and schema.get("format") == "date-time" and not _datetime(value):
        return [f"{path}: not an RFC 3339 date-time"]
    return []


def _object(value: dict, schema: dict, path: str) -> list[str]:
    errors = [f"{path}: missing {key!r}" for key in schema.get("required", ()) if key not in value]
    properties = schema.get("properties", {})
    for key, item in value.items():
        if key in properties:
            errors += _check(item, properties[key], f"{path}.{key}")
        elif isinstance(schema.get("additionalProperties"), dict):
            errors += _check(item, schema["additionalProperties"], f"{path}.{key}")
        elif schema.get("additionalProperties") is False:
            errors.append(f"{path}: unexpected {key!r}")
    return errors


def _is_type(value: object, expected: str) -> bool:
    if expected in ("number", "integer") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[expected])


def _datetime(value: str) -> bool:
    if "T" not in value or not (value.endswith("Z") or re.search(r"[+-]\d\d:\d\d$", value)):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
