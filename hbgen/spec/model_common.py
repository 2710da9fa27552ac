"""What every part of the connector model shares: scalar values, and freezing YAML values (mappings into
read-only views, lists into tuples) so that a built model is immutable."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

Scalar = str | int | float | bool | None


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _records(value: Any) -> tuple[Mapping[str, Scalar], ...] | None:
    if value is None:
        return None
    return tuple(_frozen(r) for r in value)
