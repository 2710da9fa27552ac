"""JSON Schema validation of a loaded spec, with errors translated into positioned, human diagnostics.

The schema lives at ``specs/schema/connector.schema.json`` (draft 2020-12). ``jsonschema``'s ``iter_errors`` finds
every violation; :func:`schema_diagnostics` turns each into a :class:`Diagnostic` whose message says what was
expected and what was found, with a "did you mean" hint for unknown keys and bad enum values. ``oneOf``/``anyOf``
failures are narrowed to the branch the author evidently meant (by the value's type, then by its keys).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema._utils import Unset
from jsonschema.exceptions import ValidationError

from hbgen.resources import schema_path
from hbgen.spec.errors import Diagnostic, describe_value, did_you_mean
from hbgen.spec.loader import LoadedDocument

__all__ = ["SCHEMA_PATH", "load_schema", "schema_diagnostics", "json_type"]

#: The schema file hbgen validates with, shipped with hbgen (see :mod:`hbgen.resources`). In the hbgen repository it is
#: specs/schema/connector.schema.json, kept with the specs so that editors (yaml-language-server) find it next to them;
#: ``hbgen new-connector`` writes a copy beside a project's specs for the same reason.
SCHEMA_PATH = schema_path()

_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "null": "null",
}


@functools.cache
def load_schema() -> dict[str, Any]:
    """The connector JSON Schema as a dict (read once)."""
    with SCHEMA_PATH.open(encoding="utf-8") as fh:
        schema: dict[str, Any] = json.load(fh)
    return schema


@functools.cache
def _validator() -> Draft202012Validator:
    # The schema is ours and fixed: tests/hbgen/test_cli_and_schema.py checks it against the 2020-12 metaschema once,
    # instead of every run paying for it (it was a third of a cold `hbgen generate`).
    return Draft202012Validator(load_schema())


def json_type(value: object) -> str:
    """The JSON Schema type name of a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_matches(instance: object, types: Iterable[str]) -> bool:
    actual = json_type(instance)
    return any(t == actual or (t == "number" and actual == "integer") for t in types)


def _resolve(schema: Any) -> Any:
    """Follow local ``$ref``s (``#/$defs/...``) of a subschema."""
    root = load_schema()
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        ref = schema["$ref"]
        target: Any = root
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        merged = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **{k: v for k, v in merged.items() if k != "description"}}
        seen += 1
    return schema


def _accepted_types(schema: Any) -> set[str] | None:
    """JSON types a (resolved) schema can accept, or None when unconstrained."""
    schema = _resolve(schema)
    if not isinstance(schema, dict):
        return None
    if "type" in schema:
        t = schema["type"]
        return {t} if isinstance(t, str) else set(t)
    if "enum" in schema:
        return {json_type(v) for v in schema["enum"]}
    if "const" in schema:
        return {json_type(schema["const"])}
    for key in ("oneOf", "anyOf"):
        if key in schema:
            acc: set[str] = set()
            for branch in schema[key]:
                sub = _accepted_types(branch)
                if sub is None:
                    return None
                acc |= sub
            return acc
    return None


def _types_phrase(types: Iterable[str]) -> str:
    words = sorted({_TYPE_WORDS.get(t, t) for t in types if not (t == "integer" and "number" in types)})
    if len(words) <= 1:
        return words[0] if words else "a value"
    return ", ".join(words[:-1]) + " or " + words[-1]


def _fmt_option(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _failed(err: ValidationError) -> tuple[str, Any, Any]:
    """The failing keyword, its value in the schema and the failing instance (both any JSON value) of ``err``.

    jsonschema sets all three on every error a validator yields; its types allow them unset only for errors
    constructed by hand, which never reach here.
    """
    keyword, expected, instance = err.validator, err.validator_value, err.instance
    if isinstance(keyword, Unset) or isinstance(expected, Unset) or isinstance(instance, Unset):
        raise ValueError(f"a validation error without its keyword, schema value or instance: {err.message}")
    return keyword, expected, instance


class _Translator:
    def __init__(self, doc: LoadedDocument) -> None:
        self.doc = doc

    def diag(self, path: Sequence[str | int], message: str, hint: str = "", *, key: bool = False) -> Diagnostic:
        return self.doc.diag(path, message, hint, key=key)

    def translate(self, err: ValidationError) -> list[Diagnostic]:
        path = list(err.absolute_path)
        v, value, inst = _failed(err)
        schema = err.schema if isinstance(err.schema, dict) else {}
        if "propertyNames" in err.absolute_schema_path:
            return [self._property_name(err, path)]
        if v == "additionalProperties" and isinstance(inst, dict):
            allowed = list(schema.get("properties", {}))
            out = []
            for extra in inst:
                if extra in allowed:
                    continue
                hint = did_you_mean(extra, allowed)
                if not hint and allowed:
                    hint = "allowed keys: " + ", ".join(allowed)
                elif not hint:
                    hint = "this mapping takes no keys"
                out.append(self.diag(path + [extra], f'unknown key "{extra}"', hint, key=True))
            return out
        if v == "required" and isinstance(inst, dict):
            missing = [k for k in value if k not in inst]
            return [self.diag(path, f'missing required key "{k}"') for k in missing]
        if v == "type":
            expected = value
            types = [expected] if isinstance(expected, str) else list(expected)
            return [self.diag(path, f"expected {_types_phrase(types)}, got {describe_value(inst)}")]
        if v == "enum":
            options = value
            listed = ", ".join(_fmt_option(o) for o in options)
            return [
                self.diag(path, f"expected one of {listed}, got {describe_value(inst)}", did_you_mean(inst, options))
            ]
        if v == "const":
            return [self.diag(path, f"expected {json.dumps(value)}, got {describe_value(inst)}")]
        if v == "pattern":
            expected = schema.get("x-expected") or f"a string matching {value}"
            return [self.diag(path, f"expected {expected}, got {describe_value(inst)}")]
        if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[v]
            return [self.diag(path, f"expected a number {op} {value}, got {describe_value(inst)}")]
        if v == "minLength":
            n = value
            what = "a non-empty string" if n == 1 else f"a string of at least {n} characters"
            return [self.diag(path, f"expected {what}, got {describe_value(inst)}")]
        if v == "maxLength":
            return [self.diag(path, f"expected at most {value} characters, got {describe_value(inst)}")]
        if v == "minItems":
            n = value
            return [self.diag(path, f"expected at least {n} item{'s' if n != 1 else ''}, got {len(inst)}")]
        if v == "maxItems":
            return [self.diag(path, f"expected at most {value} items, got {len(inst)}")]
        if v == "minProperties":
            n = value
            return [self.diag(path, f"expected at least {n} key{'s' if n != 1 else ''}, got {len(inst)}")]
        if v == "maxProperties":
            return [self.diag(path, f"expected at most {value} keys, got {len(inst)}")]
        if v == "uniqueItems":
            return [self.diag(path, "expected unique items, got duplicates")]
        if v in ("oneOf", "anyOf"):
            return self._combinator(err, path)
        return [self.diag(path, err.message)]

    def _property_name(self, err: ValidationError, path: list[str | int]) -> Diagnostic:
        keyword, value, name = _failed(err)
        schema = err.schema if isinstance(err.schema, dict) else {}
        key_path = path + [name] if isinstance(name, str) else path
        if keyword == "enum":
            options = value
            listed = ", ".join(_fmt_option(o) for o in options)
            return self.diag(
                key_path, f'invalid key "{name}": expected one of {listed}', did_you_mean(name, options), key=True
            )
        if keyword == "pattern":
            expected = schema.get("x-expected") or f"a name matching {value}"
            return self.diag(key_path, f'invalid key "{name}": expected {expected}', key=True)
        return self.diag(key_path, f'invalid key "{name}": {err.message}', key=True)

    def _combinator(self, err: ValidationError, path: list[str | int]) -> list[Diagnostic]:
        _, value, inst = _failed(err)
        branches = [_resolve(b) for b in value]
        only_required = all(isinstance(b, dict) and set(b) == {"required"} for b in branches)
        if only_required:
            keys = [k for b in branches for k in b["required"]]
            listed = ", ".join(keys)
            present = [k for k in keys if isinstance(inst, dict) and k in inst]
            if len(present) > 1:
                return [self.diag(path, f"expected only one of the keys {listed}, got {', '.join(present)}")]
            return [self.diag(path, f"missing required key: one of {listed}")]
        if not err.context:
            return [self.diag(path, "value matches more than one allowed form")]
        by_branch: dict[int, list[ValidationError]] = {}
        for sub in err.context:
            by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        viable = []
        for index, branch in enumerate(branches):
            types = _accepted_types(branch)
            if types is None or _type_matches(inst, types):
                viable.append(index)
        if not viable:
            accepted: set[str] = set()
            for branch in branches:
                accepted |= _accepted_types(branch) or set()
            return [self.diag(path, f"expected {_types_phrase(accepted)}, got {describe_value(inst)}")]
        if len(viable) > 1 and isinstance(inst, dict):
            keyed = [i for i in viable if all(k in inst for k in branches[i].get("required", []))]
            discriminating = [i for i in keyed if branches[i].get("required")]
            if discriminating:
                viable = discriminating
            elif not keyed:
                keys = [k for i in viable for k in branches[i].get("required", [])[:1]]
                hint = ""
                for present in inst:
                    hint = did_you_mean(present, keys)
                    if hint:
                        break
                listed = ", ".join(keys)
                return [self.diag(path, f"expected a mapping with one of the keys {listed}", hint)]
        chosen = min(viable, key=lambda i: len(by_branch.get(i, [])))
        out: list[Diagnostic] = []
        for sub in by_branch.get(chosen, []):
            out.extend(self.translate(sub))
        if not out:
            out.append(self.diag(path, f"does not match the expected form: {err.message}"))
        return out


def schema_diagnostics(doc: LoadedDocument) -> list[Diagnostic]:
    """Every JSON Schema violation of ``doc.data`` as a diagnostic (empty when the document conforms)."""
    translator = _Translator(doc)
    found: list[Diagnostic] = []
    for err in _validator().iter_errors(doc.data):
        found.extend(translator.translate(err))
    return sorted(set(found))
