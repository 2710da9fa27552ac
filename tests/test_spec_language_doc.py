"""docs/spec-language.md shows every construct real exchanges needed (issue 11) in a YAML example, not only in prose.

The guide's ```yaml blocks are composed as YAML node trees (so a block showing two variants of one key keeps both)
and every key written in them is collected; each construct below must be among them, and the example values that
are not keys (``$key``, ``${exchange_base}``) must appear in a block.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "spec-language.md"

#: Construct -> the key its example must write.
CONSTRUCTS = {
    "a success envelope (rest.envelope)": "envelope",
    "errors inside HTTP 200 replies": "in_body",
    "the predicates of an error reply": "error_when",
    "a per-item error's code": "code_field",
    "a per-item error's message": "message_field",
    "a rate-limited rule": "rate_limited",
    "a channel's own subscribe message": "subscribe",
    "snapshot and update on one channel": "snapshot_when",
    "routing by one or more fields": "route_by",
    "levels as objects": "levels",
    "a built-in book checksum": "algorithm",
    "its side order": "sides",
    "its joiner": "joiner",
    "numbers as sent or at the pair's precision": "numbers",
    "digits only": "digits_only",
    "an unpublished checksum value": "unpublished",
    "checksum vectors": "test_vectors",
    "a vector's decimals": "price_decimals",
    "a checksum hook": "hook",
    "a book kept at the subscribed depth": "keep_levels",
    "results keyed by an id": "keyed",
    "negation": "negate",
    "10^-n from a count of decimals": "step_of_decimals",
    "a constant field": "value",
    "nested expressions": "difference",
    "websocket names of pairs": "websocket",
    "asset aliases": "aliases",
    "a parameter only for post-only orders": "when_post_only",
    "a parameter only for one side": "when_side",
    "a parameter only for some order types": "when_order_type",
    "the wire values of times in force": "time_in_force",
    "per-domain headers": "headers",
    "a fill's fee asset when the fill does not name it": "fill_fee_asset",
    "a heartbeat and its pong": "pong",
}

#: Values (not keys) an example must show.
VALUES = ("$key", "${base}/${quote}", "prev_update_id", "interleaved", "pair_precision")


def _blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)


def _keys(node: yaml.Node, out: set[str]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out.add(str(key.value))
            _keys(value, out)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _keys(item, out)


def _example_keys() -> set[str]:
    keys: set[str] = set()
    for block in _blocks():
        for document in yaml.compose_all(block):
            if document is not None:
                _keys(document, keys)
    return keys


def test_every_example_block_is_yaml() -> None:
    for block in _blocks():
        list(yaml.compose_all(block))  # raises on a broken example


@pytest.mark.parametrize("construct", sorted(CONSTRUCTS))
def test_the_construct_has_an_example(construct: str) -> None:
    assert CONSTRUCTS[construct] in _example_keys(), f"docs/spec-language.md shows no example of {construct}"


@pytest.mark.parametrize("value", VALUES)
def test_the_value_appears_in_an_example(value: str) -> None:
    assert any(value in block for block in _blocks()), value
