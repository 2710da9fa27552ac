"""OrderBook against a plain reference model (dict price -> amount), with random diffs from a fixed seed."""

from __future__ import annotations

import random
import unittest
from decimal import Decimal

from hbrt.data_type.common import TradeType
from hbrt.data_type.order_book import OrderBook, OrderBookInconsistentError
from hbrt.data_type.order_book_query_result import OrderBookQueryResult
from hbrt.data_type.order_book_row import OrderBookRow
from hbrt.event.events import OrderBookEvent, OrderBookTradeEvent
from hbrt.event.pubsub import EventLogger

NAN = Decimal("NaN")


class ReferenceBook:
    """The obviously-correct model: two dicts of Decimal price -> (Decimal amount, update id)."""

    def __init__(self) -> None:
        self.bids: dict[Decimal, tuple[Decimal, int]] = {}
        self.asks: dict[Decimal, tuple[Decimal, int]] = {}

    def snapshot(self, bids, asks, uid) -> None:
        self.bids, self.asks = {}, {}
        for side, rows in ((self.bids, bids), (self.asks, asks)):
            for p, q in rows:
                if Decimal(q) != 0 and Decimal(p) not in side:
                    side[Decimal(p)] = (Decimal(q), uid)

    def diffs(self, bids, asks, uid) -> None:
        for side, rows in ((self.bids, bids), (self.asks, asks)):
            for p, q in rows:
                if Decimal(q) == 0:
                    side.pop(Decimal(p), None)
                else:
                    side[Decimal(p)] = (Decimal(q), uid)
        while self.bids and self.asks:
            bb, ba = max(self.bids), min(self.asks)
            if bb < ba:
                break
            if self.asks[ba][1] < self.bids[bb][1]:
                del self.asks[ba]
            else:
                del self.bids[bb]

    def levels(self, is_buy: bool) -> list[tuple[Decimal, Decimal, int]]:
        side = self.asks if is_buy else self.bids
        return [(p, side[p][0], side[p][1]) for p in sorted(side, reverse=not is_buy)]

    def price_for_volume(self, is_buy: bool, volume: Decimal) -> OrderBookQueryResult:
        cum = Decimal(0)
        for p, q, _ in self.levels(is_buy):
            cum += q
            if cum >= volume:
                return OrderBookQueryResult(NAN, volume, p, volume)
        return OrderBookQueryResult(NAN, volume, NAN, min(cum, volume))

    def vwap_for_volume(self, is_buy: bool, volume: Decimal) -> OrderBookQueryResult:
        cum, cost = Decimal(0), Decimal(0)
        for p, q, _ in self.levels(is_buy):
            take = min(q, volume - cum)
            cum += take
            cost += take * p
            if cum >= volume:
                return OrderBookQueryResult(NAN, volume, cost / volume, volume)
        return OrderBookQueryResult(NAN, volume, NAN, cum)

    def volume_for_price(self, is_buy: bool, price: Decimal) -> OrderBookQueryResult:
        ok = [(p, q) for p, q, _ in self.levels(is_buy) if (p <= price if is_buy else p >= price)]
        return OrderBookQueryResult(price, NAN, ok[-1][0] if ok else NAN, sum((q for _, q in ok), Decimal(0)))

    def quote_for_base(self, is_buy: bool, base: Decimal) -> OrderBookQueryResult:
        cum, quote = Decimal(0), Decimal(0)
        for p, q, _ in self.levels(is_buy):
            take = min(q, base - cum)
            cum += take
            quote += take * p
            if cum >= base:
                break
        return OrderBookQueryResult(NAN, base, NAN, quote)

    def price_for_quote(self, is_buy: bool, quote: Decimal) -> OrderBookQueryResult:
        cum = Decimal(0)
        for p, q, _ in self.levels(is_buy):
            cum += p * q
            if cum >= quote:
                return OrderBookQueryResult(NAN, quote, p, quote)
        return OrderBookQueryResult(NAN, quote, NAN, min(cum, quote))


def same(a: OrderBookQueryResult, b: OrderBookQueryResult) -> bool:
    return all((x.is_nan() and y.is_nan()) or x == y for x, y in zip(a, b, strict=True))


def fmt_price(ticks: int, rnd: random.Random) -> str:
    text = f"{ticks // 100}.{ticks % 100:02d}"
    return text + "0" * rnd.randint(0, 3)  # the same price spelled differently must hit the same level


def amount(rnd: random.Random) -> str:
    if rnd.random() < 0.2:
        return rnd.choice(["0", "0.00000000", "0.0"])
    return f"{rnd.randint(1, 300_000_000) / 1e8:.8f}"


class OrderBookRandomTest(unittest.TestCase):
    def assert_same_book(self, book: OrderBook, ref: ReferenceBook) -> None:
        bids, asks = book.snapshot
        self.assertEqual([(r.price, r.amount, r.update_id) for r in bids], ref.levels(False))
        self.assertEqual([(r.price, r.amount, r.update_id) for r in asks], ref.levels(True))

    def test_random_diffs_match_reference(self) -> None:
        rnd = random.Random(1234)
        book, ref = OrderBook(), ReferenceBook()
        mid = 10_000
        bids = [[fmt_price(mid - i, rnd), amount(rnd)] for i in range(1, 60)]
        asks = [[fmt_price(mid + i, rnd), amount(rnd)] for i in range(1, 60)]
        book.apply_snapshot(bids, asks, 1)
        ref.snapshot(bids, asks, 1)
        self.assert_same_book(book, ref)
        for uid in range(2, 1500):
            mid += rnd.choice((-1, 0, 0, 0, 1))
            # Offsets from -3 make some diffs cross the book, exercising the crossed-book rule.
            b = [[fmt_price(mid - rnd.randint(-3, 40), rnd), amount(rnd)] for _ in range(rnd.randint(0, 8))]
            a = [[fmt_price(mid + rnd.randint(-3, 40), rnd), amount(rnd)] for _ in range(rnd.randint(0, 8))]
            book.apply_diffs(b, a, uid)
            ref.diffs(b, a, uid)
            self.assertEqual(book.last_diff_uid, uid)
            self.assert_same_book(book, ref)
            for is_buy in (True, False):
                levels = ref.levels(is_buy)
                if levels:
                    self.assertEqual(book.get_price(is_buy), levels[0][0])
                else:
                    with self.assertRaises(EnvironmentError):
                        book.get_price(is_buy)
                volume = Decimal(rnd.randint(0, 4000)) / 100
                self.assertTrue(same(book.get_price_for_volume(is_buy, volume), ref.price_for_volume(is_buy, volume)))
                self.assertTrue(same(book.get_vwap_for_volume(is_buy, volume), ref.vwap_for_volume(is_buy, volume)))
                self.assertTrue(
                    same(book.get_quote_volume_for_base_amount(is_buy, volume), ref.quote_for_base(is_buy, volume))
                )
                price = Decimal(mid + rnd.randint(-20, 20)) / 100
                self.assertTrue(same(book.get_volume_for_price(is_buy, price), ref.volume_for_price(is_buy, price)))
                quote = volume * 50
                self.assertTrue(
                    same(book.get_price_for_quote_volume(is_buy, quote), ref.price_for_quote(is_buy, quote))
                )

    def test_price_for_volume_exact_at_cumulative_boundary(self) -> None:
        # 0.1 + 0.2 != 0.3 in floats; the Decimal answer must still be exact at the boundary.
        book = OrderBook()
        book.apply_snapshot([], [["1.0", "0.1"], ["2.0", "0.2"], ["3.0", "0.3"]], 5)
        result = book.get_price_for_volume(True, Decimal("0.3"))
        self.assertEqual(result.result_price, Decimal("2.0"))
        self.assertEqual(result.result_volume, Decimal("0.3"))
        thin = book.get_price_for_volume(True, Decimal("0.7"))
        self.assertTrue(thin.result_price.is_nan())
        self.assertEqual(thin.result_volume, Decimal("0.6"))


class OrderBookBehaviourTest(unittest.TestCase):
    def test_snapshot_first_duplicate_wins_and_ids(self) -> None:
        book = OrderBook()
        book.apply_snapshot([["10", "1"], ["10.0", "2"], ["9", "0"]], [["11", "3"]], 42)
        self.assertEqual(book.snapshot_uid, 42)
        self.assertEqual(book.last_diff_uid, 0)
        self.assertEqual(list(book.bid_entries()), [OrderBookRow(Decimal("10"), Decimal("1"), 42)])
        book.apply_diffs([OrderBookRow(Decimal("10"), Decimal("0"), 43)], [(Decimal("12"), "4")], 43)
        self.assertEqual(book.bid_count, 0)
        self.assertEqual([r.price for r in book.ask_entries()], [Decimal("11"), Decimal("12")])
        self.assertEqual(book.last_diff_uid, 43)

    def test_crossed_diff_drops_older_top_level(self) -> None:
        book = OrderBook()
        book.apply_snapshot([["99", "1"]], [["101", "1"]], 1)
        book.apply_diffs([["101.5", "2"]], [], 2)  # the bid is newer: the ask at 101 goes
        self.assertEqual(book.ask_count, 0)
        self.assertEqual(book.get_price(False), Decimal("101.5"))
        book.apply_diffs([], [["101", "1"]], 3)  # now the ask is newer: the bid at 101.5 goes
        self.assertEqual(book.get_price(False), Decimal("99"))
        self.assertEqual(book.get_price(True), Decimal("101"))

    def test_tie_drops_bid_and_dex_rule(self) -> None:
        book = OrderBook()
        book.apply_snapshot([], [], 1)
        book.apply_diffs([["100", "1"]], [["100", "5"]], 2)
        self.assertEqual((book.bid_count, book.ask_count), (0, 1))
        dex = OrderBook(dex=True)
        dex.apply_snapshot([["100", "5"]], [["99", "1"]], 1)  # the ask has the smaller notional
        self.assertEqual((dex.bid_count, dex.ask_count), (1, 0))

    def test_apply_trade_sets_price_and_emits_event(self) -> None:
        book = OrderBook()
        listener = EventLogger()
        book.add_listener(OrderBookEvent.TradeEvent, listener)
        self.assertTrue(book.last_trade_price.is_nan())
        trade = OrderBookTradeEvent("A-B", 1.0, TradeType.BUY, Decimal("12.5"), Decimal("1"), "7")
        book.apply_trade(trade)
        self.assertEqual(book.last_trade_price, Decimal("12.5"))
        self.assertEqual(listener.event_log, [trade])

    def test_inconsistent_book_refuses_queries(self) -> None:
        book = OrderBook()
        book.apply_snapshot([["1", "1"]], [["2", "1"]], 1)
        book.is_consistent = False
        for call in (
            lambda: book.get_price(True),
            lambda: book.get_price_for_volume(True, Decimal(1)),
            lambda: book.get_vwap_for_volume(False, Decimal(1)),
            lambda: list(book.bid_entries()),
            lambda: book.snapshot,
        ):
            with self.assertRaises(OrderBookInconsistentError):
                call()
        self.assertEqual(book.raw_top_levels(1), ([["1", "1"]], [["2", "1"]]))

    def test_empty_side_raises_environment_error(self) -> None:
        book = OrderBook()
        with self.assertRaises(EnvironmentError):
            book.get_price(False)
        result = book.get_price_for_volume(False, Decimal(1))
        self.assertTrue(result.result_price.is_nan())
        self.assertEqual(result.result_volume, Decimal(0))


if __name__ == "__main__":
    unittest.main()


class OrderBookSparseQueriesTest(unittest.TestCase):
    """Queries at irregular intervals: the sorted index is built, maintained, dropped and rebuilt, and the prefixes
    kept between queries are cut back after diffs; every answer must still match the reference."""

    def check_queries(self, book: OrderBook, ref: ReferenceBook, rnd: random.Random, mid: int) -> None:
        for is_buy in (True, False):
            levels = ref.levels(is_buy)
            if levels:
                self.assertEqual(book.get_price(is_buy), levels[0][0])
            for _ in range(3):
                volume = Decimal(rnd.randint(0, 6000)) / 100
                self.assertTrue(same(book.get_price_for_volume(is_buy, volume), ref.price_for_volume(is_buy, volume)))
                self.assertTrue(same(book.get_vwap_for_volume(is_buy, volume), ref.vwap_for_volume(is_buy, volume)))
                self.assertTrue(
                    same(book.get_quote_volume_for_base_amount(is_buy, volume), ref.quote_for_base(is_buy, volume))
                )
                price = Decimal(mid + rnd.randint(-30, 30)) / 100
                self.assertTrue(same(book.get_volume_for_price(is_buy, price), ref.volume_for_price(is_buy, price)))
                quote = volume * 70
                self.assertTrue(
                    same(book.get_price_for_quote_volume(is_buy, quote), ref.price_for_quote(is_buy, quote))
                )

    def test_queries_every_few_or_many_diffs(self) -> None:
        rnd = random.Random(99)
        book, ref = OrderBook(), ReferenceBook()
        mid = 20_000
        bids = [[fmt_price(mid - i, rnd), amount(rnd)] for i in range(1, 80)]
        asks = [[fmt_price(mid + i, rnd), amount(rnd)] for i in range(1, 80)]
        book.apply_snapshot(bids, asks, 1)
        ref.snapshot(bids, asks, 1)
        uid = 1
        for _ in range(120):
            # Gaps of 1-3 diffs keep the index maintained; 20-60 make it drop and be rebuilt.
            for _ in range(rnd.choice((1, 2, 3, 20, 60))):
                uid += 1
                mid += rnd.choice((-1, 0, 0, 1))
                b = [[fmt_price(mid - rnd.randint(-2, 50), rnd), amount(rnd)] for _ in range(rnd.randint(0, 10))]
                a = [[fmt_price(mid + rnd.randint(-2, 50), rnd), amount(rnd)] for _ in range(rnd.randint(0, 10))]
                book.apply_diffs(b, a, uid)
                ref.diffs(b, a, uid)
                if rnd.random() < 0.3:  # best prices alone, between depth queries
                    for is_buy in (True, False):
                        levels = ref.levels(is_buy)
                        if levels:
                            self.assertEqual(book.get_price(is_buy), levels[0][0])
            self.check_queries(book, ref, rnd, mid)
        bids_rows, asks_rows = book.snapshot
        self.assertEqual([(r.price, r.amount, r.update_id) for r in bids_rows], ref.levels(False))
        self.assertEqual([(r.price, r.amount, r.update_id) for r in asks_rows], ref.levels(True))
        top_bids, top_asks = book.raw_top_levels(3)
        self.assertEqual([Decimal(row[0]) for row in top_asks], [p for p, _, _ in ref.levels(True)[:3]])
        self.assertEqual([Decimal(row[0]) for row in top_bids], [p for p, _, _ in ref.levels(False)[:3]])

    def test_volume_for_price_when_the_query_price_shares_a_levels_float(self) -> None:
        # 0.1 and 0.1 +/- 1e-22 are the same float; the answer must follow the exact Decimal comparison.
        just_below = Decimal("0.0999999999999999999999")
        just_above = Decimal("0.1000000000000000000001")
        self.assertEqual(float(just_below), float(just_above))
        asks = OrderBook()
        asks.apply_snapshot([], [["0.1", "1"], ["0.11", "4"]], 1)
        self.assertEqual(asks.get_volume_for_price(True, just_above).result_volume, Decimal("1"))
        self.assertTrue(asks.get_volume_for_price(True, just_below).result_price.is_nan())
        bids = OrderBook()
        bids.apply_snapshot([["0.09", "2"], ["0.1", "3"]], [], 1)
        self.assertEqual(bids.get_volume_for_price(False, just_below).result_volume, Decimal("3"))
        self.assertEqual(bids.get_volume_for_price(False, just_above).result_volume, Decimal("0"))
        self.assertEqual(bids.get_quote_volume_for_price(False, just_below).result_volume, Decimal("0.3"))

    def test_inconsistent_then_consistent_serves_fresh_best_prices(self) -> None:
        book = OrderBook()
        book.apply_snapshot([["1", "1"]], [["2", "1"]], 1)
        self.assertEqual(book.get_price(True), Decimal("2"))  # cached
        book.is_consistent = False
        with self.assertRaises(OrderBookInconsistentError):
            book.get_price(True)
        book.apply_diffs([], [["1.5", "1"]], 2)
        book.is_consistent = True
        self.assertEqual(book.get_price(True), Decimal("1.5"))
