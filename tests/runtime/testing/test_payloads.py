"""hbrt.testing.payloads: paths, predicates, value encoding and the payload builder the generated tests use."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hbrt.testing.payloads import (
    MISSING,
    Path,
    PayloadError,
    Predicate,
    Writer,
    build,
    delete_path,
    encode,
    fill_item,
    get_path,
    holds,
    is_root_path,
    satisfy,
    set_path,
    violate,
)

FILTERS: dict[str, Any] = {
    "filters": [
        {"filterType": "PRICE_FILTER", "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "stepSize": "0.001"},
    ]
}
PRICE_FILTER = ("=", "filterType", ("PRICE_FILTER",))
LOT_OR_NOTIONAL = ("=", "filterType", ("NOTIONAL", "LOT_SIZE"))


# ---------------------------------------------------------------------------------------------------- get_path


@pytest.mark.parametrize(
    ("node", "path", "expected"),
    [
        ({"a": {"b": 1}}, ("a", "b"), 1),
        ({"a": None}, ("a",), None),
        ({"a": 1}, (), {"a": 1}),
        ([10, 20, 30], (0,), 10),
        ([10, 20, 30], (-1,), 30),
        (FILTERS, ("filters", PRICE_FILTER, "tickSize"), "0.01"),
        (FILTERS, ("filters", LOT_OR_NOTIONAL, "stepSize"), "0.001"),
        ({"a": 1}, ("$", "a"), 1),
    ],
    ids=["keys", "null", "empty-path", "index", "negative-index", "selector", "selector-any-value", "root"],
)
def test_get_path_reads(node: Any, path: Path, expected: Any) -> None:
    assert get_path(node, path) == expected


@pytest.mark.parametrize(
    ("node", "path"),
    [
        ({"a": 1}, ("b",)),
        ({"a": 1}, ("a", "b")),
        ([1, 2], (2,)),
        ([1, 2], (-3,)),
        ({"a": [1]}, ("a", "x")),
        ({"a": {"x": 1}}, ("a", 0)),
        (FILTERS, ("filters", ("=", "filterType", ("ICEBERG",)), "limit")),
        ({"filters": {"filterType": "PRICE_FILTER"}}, ("filters", PRICE_FILTER)),
        ({"filters": ["PRICE_FILTER", 5]}, ("filters", PRICE_FILTER)),
        ({"filters": 5}, ("filters", PRICE_FILTER)),
    ],
    ids=[
        "absent-key",
        "key-of-scalar",
        "index-past-end",
        "index-before-start",
        "key-of-list",
        "index-of-object",
        "no-item-selected",
        "selector-on-object",
        "selector-skips-non-objects",
        "selector-on-number",
    ],
)
def test_get_path_gives_missing_for_absent_steps(node: Any, path: Path) -> None:
    assert get_path(node, path) is MISSING


@pytest.mark.parametrize(
    "path",
    [("a", "$"), ("a", True), ("a", 1.5), ("a", ("==", "k", ("v",))), ("a", ("=", "k", ())), ("a", ("=", "k", "v"))],
    ids=["root-not-first", "bool", "float", "bad-selector-op", "selector-without-values", "selector-values-string"],
)
def test_malformed_paths_are_rejected(path: Any) -> None:
    with pytest.raises(PayloadError):
        get_path({"a": {}}, path)
    with pytest.raises(PayloadError):
        set_path({"a": {}}, (*path, "z"), 1)


def test_is_root_path() -> None:
    assert is_root_path(("$", "a"))
    assert not is_root_path(("a",))
    assert not is_root_path(())


# ---------------------------------------------------------------------------------------------------- set_path


def test_set_path_overwrites_and_adds_keys() -> None:
    node: dict[str, Any] = {"a": {"b": 1}}
    set_path(node, ("a", "b"), 2)
    set_path(node, ("a", "c"), 3)
    assert node == {"a": {"b": 2, "c": 3}}


def test_set_path_creates_missing_objects() -> None:
    node: dict[str, Any] = {}
    set_path(node, ("a", "b", "c"), 1)
    assert node == {"a": {"b": {"c": 1}}}


def test_set_path_replaces_a_scalar_in_the_way() -> None:
    node: dict[str, Any] = {"a": None, "b": "text"}
    set_path(node, ("a", "x"), 1)
    set_path(node, ("b", PRICE_FILTER, "tickSize"), "0.1")
    assert node == {"a": {"x": 1}, "b": [{"filterType": "PRICE_FILTER", "tickSize": "0.1"}]}


def test_set_path_writes_into_the_selected_item() -> None:
    node = copy.deepcopy(FILTERS)
    set_path(node, ("filters", LOT_OR_NOTIONAL, "stepSize"), "1")
    assert node["filters"][1] == {"filterType": "LOT_SIZE", "stepSize": "1"}
    assert node["filters"][0] == FILTERS["filters"][0]


def test_set_path_appends_a_missing_selected_item_with_the_first_value() -> None:
    node = copy.deepcopy(FILTERS)
    set_path(node, ("filters", LOT_OR_NOTIONAL[:2] + (("NOTIONAL", "MIN_NOTIONAL"),), "minNotional"), "5")
    assert node["filters"][2] == {"filterType": "NOTIONAL", "minNotional": "5"}
    assert len(node["filters"]) == 3


def test_set_path_creates_the_list_before_a_selector() -> None:
    node: dict[str, Any] = {}
    set_path(node, ("filters", PRICE_FILTER, "tickSize"), "0.5")
    assert node == {"filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.5"}]}


def test_set_path_by_index() -> None:
    node: dict[str, Any] = {"rows": [[1, 2], {"x": 0}]}
    set_path(node, ("rows", 0, -1), 9)
    set_path(node, ("rows", -1, "x"), 5)
    assert node == {"rows": [[1, 9], {"x": 5}]}


def test_set_path_appends_at_one_past_the_end_and_creates_lists_for_indexes() -> None:
    node: dict[str, Any] = {}
    set_path(node, ("error", 0), "EOrder:Unknown order")
    assert node == {"error": ["EOrder:Unknown order"]}
    set_path(node, ("error", 1), "EGeneral:Invalid arguments")
    set_path(node, ("data", 0, "sCode"), "51008")
    set_path(node, ("data", 0, "sMsg"), "Insufficient balance")
    set_path(node, ("rows", 0, 0), "1.5")
    assert node == {
        "error": ["EOrder:Unknown order", "EGeneral:Invalid arguments"],
        "data": [{"sCode": "51008", "sMsg": "Insufficient balance"}],
        "rows": [["1.5"]],
    }
    assert get_path(node, ("error", 0)) == "EOrder:Unknown order"


def test_set_path_ignores_the_root_marker() -> None:
    node: dict[str, Any] = {"t": 1}
    set_path(node, ("$", "t"), 2)
    assert node == {"t": 2}


@pytest.mark.parametrize(
    ("node", "path"),
    [
        ({"a": 1}, ()),
        ({"a": 1}, ("$",)),
        (copy.deepcopy(FILTERS), ("filters", PRICE_FILTER)),
        ({"a": [1]}, ("a", 2)),
        ({"a": [1]}, ("a", 5, "x")),
        ({"a": [1]}, ("a", "x")),
        ({"a": {"x": 1}}, ("a", 0)),
        ({"a": {"x": 1}}, ("a", PRICE_FILTER, "tickSize")),
        ({"a": [1]}, ("a", "b", "c")),
        ({}, ("a", 1)),
        ([], ("a",)),
    ],
    ids=[
        "empty",
        "root-only",
        "ends-with-selector",
        "index-past-end",
        "index-past-end-on-the-way",
        "key-of-list",
        "index-of-object",
        "selector-on-object",
        "object-expected-list-found",
        "index-cannot-be-created",
        "key-on-top-level-list",
    ],
)
def test_set_path_errors(node: Any, path: Path) -> None:
    before = copy.deepcopy(node)
    with pytest.raises(PayloadError):
        set_path(node, path, 1)
    if path and path[-1] != PRICE_FILTER:
        assert get_path(node, path) == get_path(before, path)


# ------------------------------------------------------------------------------------------------- delete_path


def test_delete_path_removes_keys_items_and_selected_items() -> None:
    node: dict[str, Any] = {"a": {"b": 1, "c": 2}, "rows": [1, 2, 3], **copy.deepcopy(FILTERS)}
    delete_path(node, ("a", "b"))
    delete_path(node, ("rows", 0))
    delete_path(node, ("filters", PRICE_FILTER))
    assert node == {"a": {"c": 2}, "rows": [2, 3], "filters": [{"filterType": "LOT_SIZE", "stepSize": "0.001"}]}


def test_delete_path_of_something_absent_changes_nothing() -> None:
    node = {"a": {"b": 1}, "rows": [1], **copy.deepcopy(FILTERS)}
    before = copy.deepcopy(node)
    for path in (("x",), ("a", "x"), ("x", "y"), ("rows", 3), ("filters", ("=", "filterType", ("X",))), ("a", 0)):
        delete_path(node, path)
    assert node == before


def test_delete_path_needs_a_step() -> None:
    with pytest.raises(PayloadError):
        delete_path({"a": 1}, ())


# ---------------------------------------------------------------------------------------------------- predicates

HOLDS_CASES: list[tuple[Any, Predicate, bool]] = [
    ({"s": "TRADING"}, (("s",), "equals", "TRADING"), True),
    ({"s": "BREAK"}, (("s",), "equals", "TRADING"), False),
    ({}, (("s",), "equals", "TRADING"), False),
    ({}, (("s",), "equals", None), True),
    ({"f": 1}, (("f",), "equals", True), False),
    ({"f": True}, (("f",), "equals", True), True),
    ({"s": "BREAK"}, (("s",), "not_equals", "TRADING"), True),
    ({"s": "TRADING"}, (("s",), "not_equals", "TRADING"), False),
    ({}, (("s",), "not_equals", "TRADING"), True),
    ({"s": "B"}, (("s",), "in", ("A", "B")), True),
    ({"s": "C"}, (("s",), "in", ("A", "B")), False),
    ({}, (("s",), "in", ("A", "B")), False),
    ({"p": ["SPOT", "MARGIN"]}, (("p",), "contains", "SPOT"), True),
    ({"p": ["MARGIN"]}, (("p",), "contains", "SPOT"), False),
    ({"p": "SPOT,MARGIN"}, (("p",), "contains", "SPOT"), True),
    ({"p": 5}, (("p",), "contains", "SPOT"), False),
    ({}, (("p",), "contains", "SPOT"), False),
    ({"p": [["SPOT"], ["MARGIN"]]}, (("p",), "any_contains", "SPOT"), True),
    ({"p": [["MARGIN"]]}, (("p",), "any_contains", "SPOT"), False),
    ({}, (("p",), "any_contains", "SPOT"), False),
    ({"id": None}, (("id",), "present", True), True),
    ({}, (("id",), "present", True), False),
    ({}, (("id",), "present", False), True),
    ({"id": 1}, (("id",), "present", False), False),
    ({"a": [None]}, (("a", 0), "present", True), False),
    ({"e": {"x": "TRADE"}}, (("e", "x"), "equals", "TRADE"), True),
]


@pytest.mark.parametrize(("node", "predicate", "expected"), HOLDS_CASES)
def test_holds(node: Any, predicate: Predicate, expected: bool) -> None:
    assert holds(node, predicate) is expected


def test_holds_rejects_unknown_operators() -> None:
    with pytest.raises(PayloadError):
        holds({}, (("a",), "matches", "x"))


@pytest.mark.parametrize(("node", "predicate", "_"), HOLDS_CASES)
def test_satisfy_makes_each_predicate_hold(node: Any, predicate: Predicate, _: bool) -> None:
    node = copy.deepcopy(node)
    satisfy(node, [predicate])
    assert holds(node, predicate)


def test_satisfy_leaves_what_holds_alone() -> None:
    node = {"s": "B", "p": [["MARGIN", "SPOT"]], "x": 1}
    before = copy.deepcopy(node)
    satisfy(node, [(("s",), "in", ("A", "B")), (("p",), "any_contains", "SPOT"), (("x",), "present", True)])
    assert node == before


def test_satisfy_changes_as_little_as_needed() -> None:
    node: dict[str, Any] = {"s": "C", "p": ["MARGIN"], "q": [["MARGIN"]], "gone": 1, "same": "X", "keep": 2}
    satisfy(
        node,
        [
            (("s",), "in", ("A", "B")),
            (("p",), "contains", "SPOT"),
            (("q",), "any_contains", "SPOT"),
            (("gone",), "present", False),
            (("same",), "not_equals", "X"),
            (("new",), "present", True),
        ],
    )
    assert node == {"s": "A", "p": ["MARGIN", "SPOT"], "q": [["MARGIN"], ["SPOT"]], "keep": 2, "new": "x"}


def test_satisfy_rejects_unknown_operators() -> None:
    with pytest.raises(PayloadError):
        satisfy({}, [(("a",), "matches", "x")])


@pytest.mark.parametrize(("node", "predicate", "_"), HOLDS_CASES)
def test_violate_makes_the_predicate_fail(node: Any, predicate: Predicate, _: bool) -> None:
    node = copy.deepcopy(node)
    satisfy(node, [predicate])
    violate(node, [predicate])
    assert not holds(node, predicate)


def test_violate_breaks_only_the_first_predicate() -> None:
    first: Predicate = (("x",), "equals", "TRADE")
    second: Predicate = (("y",), "equals", 1)
    node = {"x": "TRADE", "y": 1}
    violate(node, [first, second])
    assert not holds(node, first)
    assert holds(node, second)


def test_violate_keeps_the_field_where_that_is_enough() -> None:
    node: dict[str, Any] = {"x": "TRADE", "p": ["SPOT"]}
    violate(node, [(("x",), "equals", "TRADE")])
    violate(node, [(("p",), "contains", "SPOT")])
    assert node == {"x": None, "p": []}


def test_violate_without_predicates_changes_nothing() -> None:
    node = {"a": 1}
    violate(node, [])
    assert node == {"a": 1}


def test_violate_rejects_unknown_operators() -> None:
    with pytest.raises(PayloadError):
        violate({}, [(("a",), "matches", "x")])


# ---------------------------------------------------------------------------------------------------- encode


@pytest.mark.parametrize(
    ("value", "value_type", "original", "expected"),
    [
        (1640780000.5, "timestamp_ms", 0, 1640780000500),
        (1640780000.5, "timestamp_ms", "0", "1640780000500"),
        (Decimal("1.000001"), "timestamp_us", 0, 1000001),
        (1.5, "timestamp_ns", 0, 1500000000),
        (1640780000.5, "timestamp_s", 0, 1640780000.5),
        (1640780000.5, "timestamp_s", "0", "1640780000.5"),
        (0, "iso8601", "", "1970-01-01T00:00:00Z"),
        (1.25, "iso8601", "", "1970-01-01T00:00:01.250000Z"),
        ("true", None, False, True),
        ("false", None, True, False),
        (True, None, False, True),
        (True, None, "x", True),
        ("28", "str", 1, 28),
        ("-3", "int", 1, -3),
        (Decimal("10.5"), "decimal", 1, 10.5),
        (Decimal("10"), "decimal", 1, 10),
        (Decimal("0.25"), "decimal", 1.0, 0.25),
        (Decimal("0.25"), "decimal", "1", "0.25"),
        (Decimal("0.25"), "decimal", MISSING, "0.25"),
        ("OID1", "str", 28, "OID1"),
        ("NEW", "str", "OLD", "NEW"),
        (None, None, "x", None),
    ],
)
def test_encode(value: Any, value_type: str | None, original: Any, expected: Any) -> None:
    encoded = encode(value, value_type, original)
    assert encoded == expected
    assert type(encoded) is type(expected)


# --------------------------------------------------------------------------------------------------- fill_item

ORDER_WRITERS: dict[str, Writer] = {
    "client_order_id": ("first_nonempty", (("C",), ("c",)), "str", None),
    "exchange_order_id": ("path", (("i",),), "str", None),
    "state": ("path", (("X",),), "str", {"OPEN": "NEW", "FILLED": "FILLED"}),
    "timestamp": ("path", (("$", "E"),), "timestamp_ms", None),
    "price": ("path", (("filters", PRICE_FILTER, "p"),), "decimal", None),
}


def test_fill_item_writes_direct_fields() -> None:
    root: dict[str, Any] = {"E": 0, "items": []}
    item: dict[str, Any] = {"C": "", "c": "old", "i": 1, "X": "FILLED"}
    values = {"client_order_id": "OID1", "exchange_order_id": "28", "state": "OPEN", "timestamp": 1.5}
    fill_item(item, root, ORDER_WRITERS, {**values, "price": Decimal("10"), "unmapped": 1, "exchange_order_id": "28"})
    assert item == {
        "C": "OID1",
        "c": "OID1",
        "i": 28,
        "X": "NEW",
        "filters": [{"filterType": "PRICE_FILTER", "p": "10"}],
    }
    assert root == {"E": 1500, "items": []}


def test_fill_item_skips_none_values_and_unknown_fields() -> None:
    item = {"i": 1}
    fill_item(item, item, ORDER_WRITERS, {"exchange_order_id": None, "nobody": "x"})
    assert item == {"i": 1}


def test_fill_item_rejects_unknown_ops() -> None:
    with pytest.raises(PayloadError):
        fill_item({}, {}, {"f": ("median", (("a",),), None, None)}, {"f": 1})


BALANCE_WRITERS: dict[str, Writer] = {
    "available": ("path", (("free",),), "decimal", None),
    "total": ("sum", (("free",), ("locked",)), "decimal", None),
}


def test_sum_puts_the_rest_into_the_free_term() -> None:
    item = {"free": "0", "locked": "0"}
    fill_item(item, item, BALANCE_WRITERS, {"available": Decimal("10"), "total": Decimal("15")})
    assert item == {"free": "10", "locked": "5"}


def test_sum_with_every_term_free_puts_the_value_last_and_zeros_before() -> None:
    item = {"free": "1", "locked": "1"}
    fill_item(item, item, BALANCE_WRITERS, {"total": Decimal("15")})
    assert item == {"free": "0", "locked": "15"}


def test_product_divides_by_the_written_terms() -> None:
    writers: dict[str, Writer] = {
        "amount": ("path", (("l",),), "decimal", None),
        "quote_amount": ("product", (("l",), ("L",), ("r",)), "decimal", None),
    }
    item = {"l": "0", "L": "0", "r": "0"}
    fill_item(item, item, writers, {"amount": Decimal("0.5"), "quote_amount": Decimal("5000")})
    assert item == {"l": "0.5", "L": "1", "r": "10000"}
    assert Decimal(item["l"]) * Decimal(item["L"]) * Decimal(item["r"]) == 5000


def test_computed_field_whose_terms_are_all_written_is_left_alone() -> None:
    writers: dict[str, Writer] = {
        "amount": ("path", (("q",),), "decimal", None),
        "price": ("path", (("p",),), "decimal", None),
        "quote_amount": ("product", (("q",), ("p",)), "decimal", None),
    }
    item: dict[str, Any] = {}
    fill_item(item, item, writers, {"quote_amount": Decimal("999"), "amount": Decimal("2"), "price": Decimal("3")})
    assert item == {"q": "2", "p": "3"}


@pytest.mark.parametrize(
    ("direct", "expected"),
    [
        ({}, {"gross": 7, "fee": 0, "rebate": 0}),
        ({"fee": Decimal("2")}, {"gross": 9, "fee": 2, "rebate": 0}),
        ({"gross": Decimal("10")}, {"gross": 10, "fee": 0, "rebate": 3}),
        ({"gross": Decimal("10"), "fee": Decimal("1")}, {"gross": 10, "fee": 1, "rebate": 2}),
    ],
    ids=["all-free", "minuend-free", "subtrahends-free", "one-subtrahend-free"],
)
def test_difference_is_the_first_term_minus_the_others(direct: dict[str, Any], expected: dict[str, int]) -> None:
    writers: dict[str, Writer] = {
        "gross": ("path", (("gross",),), "decimal", None),
        "fee": ("path", (("fee",),), "decimal", None),
        "net": ("difference", (("gross",), ("fee",), ("rebate",)), "decimal", None),
    }
    item = {"gross": 0, "fee": 0, "rebate": 0}
    fill_item(item, item, writers, {**direct, "net": Decimal("7")})
    assert item == expected
    assert item["gross"] - item["fee"] - item["rebate"] == 7


# ------------------------------------------------------------------------------------------------------- build

LISTING: dict[str, Any] = {
    "serverTime": 1,
    "symbols": [
        {"symbol": "ETHBTC", "status": "TRADING", "baseAsset": "ETH", "quoteAsset": "BTC"},
        {"symbol": "XRPBTC", "status": "BREAK", "baseAsset": "XRP", "quoteAsset": "BTC"},
    ],
}
INSTRUMENT: dict[str, Writer] = {
    "symbol": ("path", (("symbol",),), "str", None),
    "base": ("path", (("baseAsset",),), "asset", None),
    "quote": ("path", (("quoteAsset",),), "asset", None),
}
TRADING: tuple[Predicate, ...] = ((("status",), "equals", "TRADING"),)


def test_build_writes_one_item_per_record_from_the_first_example_item() -> None:
    listing = copy.deepcopy(LISTING)
    built = build(
        listing,
        ("symbols",),
        INSTRUMENT,
        [{"symbol": "AB", "base": "A", "quote": "B"}, {"symbol": "CD", "base": "C", "quote": "D"}],
        satisfy_filter=TRADING,
    )
    assert listing == LISTING, "the example is not changed"
    assert built["serverTime"] == 1
    assert built["symbols"] == [
        {"symbol": "AB", "status": "TRADING", "baseAsset": "A", "quoteAsset": "B"},
        {"symbol": "CD", "status": "TRADING", "baseAsset": "C", "quoteAsset": "D"},
    ]


def test_build_appends_invalid_records_that_break_the_filter() -> None:
    built = build(
        LISTING,
        ("symbols",),
        INSTRUMENT,
        [{"symbol": "AB"}],
        satisfy_filter=TRADING,
        invalid=[{"symbol": "BAD"}],
    )
    assert [item["symbol"] for item in built["symbols"]] == ["AB", "BAD"]
    assert [holds(item, TRADING[0]) for item in built["symbols"]] == [True, False]


def test_build_breaks_other_mappings_filters() -> None:
    fill_filter: tuple[Predicate, ...] = ((("x",), "equals", "TRADE"),)
    built = build({"x": "TRADE", "X": "NEW"}, None, ORDER_WRITERS, [{"state": "FILLED"}], violate_filters=[fill_filter])
    assert built == {"x": None, "X": "FILLED"}


def test_build_removes_paths_from_every_item() -> None:
    built = build(LISTING, ("symbols",), INSTRUMENT, [{"symbol": "AB"}, {"symbol": "CD"}], remove=[("baseAsset",)])
    assert all("baseAsset" not in item for item in built["symbols"])


def test_build_of_a_message_that_is_one_record() -> None:
    example = {"orderId": 1, "status": "NEW", "transactTime": 0}
    writers: dict[str, Writer] = {
        "exchange_order_id": ("path", (("orderId",),), "str", None),
        "timestamp": ("path", (("transactTime",),), "timestamp_ms", None),
    }
    built = build(example, None, writers, [{"exchange_order_id": "28", "timestamp": 2.0}], remove=[("status",)])
    assert built == {"orderId": 28, "transactTime": 2000}
    assert example == {"orderId": 1, "status": "NEW", "transactTime": 0}


def test_build_of_a_message_that_is_the_list() -> None:
    example = [{"id": 1, "qty": "1"}, {"id": 2, "qty": "2"}]
    writers: dict[str, Writer] = {"trade_id": ("path", (("id",),), "str", None)}
    assert build(example, (), writers, [{"trade_id": "7"}]) == [{"id": 7, "qty": "1"}]


def test_build_writes_root_fields_into_the_message() -> None:
    writers: dict[str, Writer] = {
        "symbol": ("path", (("$", "s"),), "str", None),
        "asset": ("path", (("a",),), None, None),
    }
    built = build({"s": "", "B": [{"a": "X"}]}, ("B",), writers, [{"symbol": "ETHBTC", "asset": "ETH"}])
    assert built == {"s": "ETHBTC", "B": [{"a": "ETH"}]}


@pytest.mark.parametrize(
    ("example", "each", "expected"),
    [
        (None, None, {"symbol": "AB"}),
        (None, (), [{"symbol": "AB"}]),
        (None, ("symbols",), {"symbols": [{"symbol": "AB"}]}),
        ({"symbols": []}, ("symbols",), {"symbols": [{"symbol": "AB"}]}),
        ({}, ("data", "symbols"), {"data": {"symbols": [{"symbol": "AB"}]}}),
    ],
    ids=["no-example-one-record", "no-example-list", "no-example-nested", "empty-list", "list-missing"],
)
def test_build_without_an_example_item_starts_from_nothing(example: Any, each: Path | None, expected: Any) -> None:
    assert build(example, each, INSTRUMENT, [{"symbol": "AB"}]) == expected


def test_build_refuses_invalid_records_for_a_single_record_message() -> None:
    with pytest.raises(PayloadError):
        build({}, None, INSTRUMENT, [{"symbol": "AB"}], invalid=[{"symbol": "BAD"}])


# ---------------------------------------------------------------------------------------------------- cases


ACTIVE: Predicate = (("active",), "equals", True)
CANCELLED: Predicate = (("cancelExist",), "equals", True)
DEALT: Predicate = (("dealSize",), "not_equals", "0")
#: KuCoin's order state from flags: active with a fill -> PARTIALLY_FILLED, active -> OPEN, cancelled -> CANCELED,
#: anything else FILLED (the writer the generator emits for ``{cases: [...], default: FILLED}``).
STATE_CASES: Writer = (
    "cases",
    (),
    None,
    {
        "PARTIALLY_FILLED": ((ACTIVE, DEALT), ()),
        "OPEN": ((ACTIVE,), ((ACTIVE, DEALT),)),
        "CANCELED": ((CANCELLED,), ((ACTIVE, DEALT), (ACTIVE,))),
        "FILLED": ((), ((ACTIVE, DEALT), (ACTIVE,), (CANCELLED,))),
    },
)


def _state_of(item: Any) -> str:
    for name, (wanted, _) in STATE_CASES[3].items():  # type: ignore[union-attr]  # the cases writer has plans
        if name != "FILLED" and all(holds(item, p) for p in wanted):
            return name
    return "FILLED"


@pytest.mark.parametrize("state", ["PARTIALLY_FILLED", "OPEN", "CANCELED", "FILLED"])
def test_a_cases_writer_makes_the_case_of_the_value_the_first_to_hold(state: str) -> None:
    example = {"active": True, "cancelExist": False, "dealSize": "0.5", "size": "1"}
    item = copy.deepcopy(example)
    fill_item(item, item, {"state": STATE_CASES}, {"state": state})
    assert _state_of(item) == state, item
    assert item["size"] == "1"  # fields no case reads are left alone


def test_a_cases_writer_refuses_a_value_no_case_gives() -> None:
    with pytest.raises(PayloadError, match="no case gives 'FAILED'"):
        fill_item({}, {}, {"state": STATE_CASES}, {"state": "FAILED"})


def test_a_field_that_is_the_whole_message_replaces_it() -> None:
    # KuCoin's server time is the bare number inside its envelope ({"code": "200000", "data": 1546837113087}).
    writers: dict[str, Writer] = {"time": ("path", (("$",),), "timestamp_ms", None)}
    assert build(1546837113087, None, writers, [{"time": 1640000000.5}]) == 1640000000500
    with pytest.raises(PayloadError, match="is the whole message"):
        build(1, None, writers, [{"time": 1.0}, {"time": 2.0}])
