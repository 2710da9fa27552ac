"""Built-in book checksums against the exchanges' published examples, and the book truncation Kraken needs."""

from __future__ import annotations

import zlib
from decimal import Decimal

import pytest
from hbrt.data_type.book_checksum import ChecksumContext, Crc32Checksum, decimals_of
from hbrt.data_type.book_integrity import Checksum, PrevUpdateIdChain
from hbrt.data_type.order_book import OrderBook
from hbrt.data_type.order_book_message import OrderBookMessage, OrderBookMessageType

OKX = Crc32Checksum(25, sides="interleaved", joiner=":")
KRAKEN = Crc32Checksum(10, sides="asks_then_bids", numbers="pair_precision", digits_only=True)

# OKX's two published examples (auth_vectors.json okx_book_checksum_example1/2): rows [price, size, liquidated,
# orders] as sent; the expected values are signed 32-bit integers.
OKX_1 = ([["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]], [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]])
OKX_2 = ([["3366.1", "7", "0", "3"]], [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"], ["3372", "8", "3", "4"]])

# Kraken's published v2 example (auth_vectors.json kraken_ws_v2_book_checksum): the top 10 levels of each side, as
# JSON numbers; reconstructed from the published checksum string, whose 20 price/qty pairs it reproduces exactly
# (price 1 decimal, qty 8 decimals).
KRAKEN_ASKS = [
    [45285.2, 0.001],
    [45286.4, 1.54571953],
    [45286.6, 1.54571109],
    [45289.6, 1.54560911],
    [45290.2, 0.1589066],
    [45291.8, 1.54553491],
    [45294.7, 0.04454749],
    [45296.1, 0.3538],
    [45297.5, 0.09945542],
    [45299.5, 0.18772827],
]
KRAKEN_BIDS = [
    [45283.5, 0.1],
    [45283.4, 1.54582015],
    [45282.1, 0.1],
    [45281.0, 0.1],
    [45280.3, 1.54592586],
    [45279.0, 0.0799],
    [45277.6, 0.03310103],
    [45277.5, 0.3],
    [45277.3, 1.54602737],
    [45276.6, 0.15445238],
]
KRAKEN_CONTEXT = ChecksumContext("BTC-USD", price_decimals=1, size_decimals=8)


def _signed(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value


def test_okx_published_examples() -> None:
    context = ChecksumContext("BTC-USDT")
    assert OKX.text(*OKX_1, context) == "3366.1:7:3366.8:9:3366:6:3368:8"
    assert _signed(OKX.of_levels(*OKX_1, context)) == -1881014294
    assert OKX.text(*OKX_2, context) == "3366.1:7:3366.8:9:3368:8:3372:8"
    assert _signed(OKX.of_levels(*OKX_2, context)) == 831078360


def test_kraken_published_example() -> None:
    text = KRAKEN.text(KRAKEN_BIDS, KRAKEN_ASKS, KRAKEN_CONTEXT)
    assert text.startswith("452852100000")
    assert KRAKEN.of_levels(KRAKEN_BIDS, KRAKEN_ASKS, KRAKEN_CONTEXT) == 3310070434


def test_through_a_book_and_the_policy() -> None:
    book = OrderBook()
    # Rows arrive in any order and deeper than the checksum's levels; the book sorts them.
    book.apply_snapshot(list(reversed(KRAKEN_BIDS)) + [[45000.0, 1.0]], KRAKEN_ASKS + [[46000.0, 1.0]], 1)
    assert KRAKEN(book, KRAKEN_CONTEXT) == 3310070434
    policy = Checksum(10, KRAKEN)
    content = {"trading_pair": "BTC-USD", "checksum": 3310070434, "price_decimals": 1, "size_decimals": 8}
    message = OrderBookMessage(OrderBookMessageType.SNAPSHOT, content, 1.0)
    assert policy.verify(book, message)
    wrong = OrderBookMessage(OrderBookMessageType.SNAPSHOT, {**content, "checksum": 1}, 1.0)
    assert not policy.verify(book, wrong)


def test_signed_and_unsigned_values_compare_alike() -> None:
    book = OrderBook()
    book.apply_snapshot(*OKX_1, 7)
    policy = Checksum(25, OKX, sequence=PrevUpdateIdChain())
    message = OrderBookMessage(OrderBookMessageType.DIFF, {"trading_pair": "X", "checksum": -1881014294}, 1.0)
    assert policy.verify(book, message)


def test_without_the_pairs_precision_numbers_are_taken_as_sent() -> None:
    context = ChecksumContext("BTC-USD")  # no trading rule yet
    assert KRAKEN.text([["1.5", "0.25"]], [], context) == "1525"


def test_the_text_follows_every_option() -> None:
    context = ChecksumContext("X")
    bids, asks = [["2", "1"], ["1", "1"]], [["3", "1"]]
    assert Crc32Checksum(5, sides="bids_then_asks", joiner="|").text(bids, asks, context) == "2|1|1|1|3|1"
    assert Crc32Checksum(5, sides="asks_then_bids").text(bids, asks, context) == "312111"
    assert Crc32Checksum(1, joiner=",").text(bids, asks, context) == "2,1,3,1"  # one level per side
    assert Crc32Checksum(5).of_levels(bids, asks, context) == zlib.crc32(b"213111")
    with pytest.raises(ValueError):
        Crc32Checksum(5, sides="sideways")  # type: ignore[arg-type]  # the test passes a bad value on purpose


def test_decimals_of_increments() -> None:
    assert [decimals_of(Decimal(x)) for x in ("0.01", "1", "0.00000001", "10", "0.10")] == [2, 0, 8, 0, 1]
    assert decimals_of(None) is None


def test_truncate_keeps_the_best_levels() -> None:
    book = OrderBook()
    book.apply_snapshot([["9", "1"], ["8", "1"], ["7", "1"]], [["10", "1"], ["11", "1"], ["12", "1"]], 1)
    book.truncate(2)
    bids, asks = book.raw_top_levels(5)
    assert [row[0] for row in bids] == ["9", "8"] and [row[0] for row in asks] == ["10", "11"]
    book.apply_diffs([["9", "0"]], [], 2)  # the best bid goes: the stale 7 must not surface
    bids, _ = book.raw_top_levels(5)
    assert [row[0] for row in bids] == ["8"]
