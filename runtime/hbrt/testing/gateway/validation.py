"""Request validation the way Gateway's Fastify 4 + Ajv defaults do it (gateway.md §1).

Types are coerced (``"1.5"`` -> 1.5, ``"true"`` -> True), a missing field with a default takes it, extra fields are
ignored, and the *first* problem is reported as Fastify's 400 body::

    {"statusCode": 400, "error": "Validation Error", "message": "body must have required property 'signature'",
     "validation": [{"instancePath": "", "schemaPath": "#/required", "keyword": "required",
                     "params": {"missingProperty": "signature"},
                     "message": "must have required property 'signature'"}]}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """One property of a route's querystring or body schema."""

    name: str
    type: str  # "string", "number", "boolean", "array", "object"
    required: bool = False
    default: Any = None
    enum: tuple[Any, ...] | None = None


def f(
    name: str, kind: str = "string", required: bool = False, default: Any = None, enum: tuple[Any, ...] | None = None
) -> Field:
    return Field(name, kind, required, default, enum)


class RequestValidationError(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["message"])
        self.body = body


def _failure(where: str, path: str, keyword: str, params: dict[str, Any], message: str) -> RequestValidationError:
    schema_path = "#/required" if keyword == "required" else f"#/properties{path}/{keyword}"
    return RequestValidationError(
        {
            "statusCode": 400,
            "error": "Validation Error",
            "message": f"{where}{path} {message}",
            "validation": [
                {
                    "instancePath": path,
                    "schemaPath": schema_path,
                    "keyword": keyword,
                    "params": params,
                    "message": message,
                }
            ],
        }
    )


def _coerce(kind: str, value: Any) -> tuple[bool, Any]:
    if kind == "string":
        if isinstance(value, str):
            return True, value
        if isinstance(value, bool | int | float):
            return True, str(value).lower() if isinstance(value, bool) else str(value)
        return False, value
    if kind == "number":
        if isinstance(value, bool):
            return True, 1 if value else 0
        if isinstance(value, int | float):
            return True, value
        if isinstance(value, str):
            try:
                return True, float(value) if value.strip() else value
            except ValueError:
                return False, value
        return False, value
    if kind == "boolean":
        if isinstance(value, bool):
            return True, value
        if value in ("true", 1, "1"):
            return True, True
        if value in ("false", 0, "0"):
            return True, False
        return False, value
    if kind == "array":
        return (True, value) if isinstance(value, list) else (True, [value])  # Fastify's coerceTypes: 'array'
    if kind == "object":
        return isinstance(value, dict), value
    raise ValueError(f"unknown schema type {kind}")


def validate(where: str, schema: tuple[Field, ...], data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate and coerce ``data`` (``where`` is ``body`` or ``querystring``); raise the first problem."""
    if data is not None and not isinstance(data, Mapping):
        raise _failure(where, "", "type", {"type": "object"}, "must be object")
    source = dict(data or {})
    result = dict(source)  # extra properties are kept and ignored
    for field in schema:
        if field.name not in source or source[field.name] is None:
            if field.default is not None:
                result[field.name] = field.default
                continue
            if field.required:
                raise _failure(
                    where,
                    "",
                    "required",
                    {"missingProperty": field.name},
                    f"must have required property '{field.name}'",
                )
            result.pop(field.name, None)
            continue
        ok, value = _coerce(field.type, source[field.name])
        if not ok:
            raise _failure(where, f"/{field.name}", "type", {"type": field.type}, f"must be {field.type}")
        if field.enum is not None and value not in field.enum:
            raise _failure(
                where,
                f"/{field.name}",
                "enum",
                {"allowedValues": list(field.enum)},
                "must be equal to one of the allowed values",
            )
        result[field.name] = value
    return result
