"""A pure-Python limit order book for one trading pair (Hummingbot's ``OrderBook``, rewritten).

Representation (chosen by measurement, see ``bench/order_book.py``):

* Each side is a ``dict`` keyed by the price as a ``float``, whose value is ``(row, update_id)``: ``row`` is the
  caller's row object itself (``OrderBookRow``, or a ``[price, amount, ...]`` list straight from the exchange's JSON),
  kept unconverted, and ``update_id`` is the id of the snapshot or diff that last set the level. Applying a level is
  therefore one ``float()`` of the price, one set-membership test of the amount and one dict store: no ``Decimal``
  is built on the hot path.
* The float key is only an *index*. Results are built from the stored raw strings/Decimals, so prices and amounts
  come back exactly as the exchange sent them. Distinct decimal prices map to distinct floats as long as they have
  at most 15 significant digits, which holds for every listed market (a price like ``12345.6789012345678`` would not).
* Ordering is lazy. Nothing is kept sorted while diffs arrive; each side keeps an *upper bound* of its best price
  (``max`` for bids, ``min`` for asks) that inserts tighten and deletes leave alone. The best price is the bound when
  that level still exists, otherwise one C-level ``max``/``min`` over the keys recomputes it. The sorted key list and
  the cumulative-volume prefix used by depth queries are caches, rebuilt on the first query after a change (the
  sorted list only when the *set* of prices changed, not when amounts did).
* ``get_price_for_volume`` bisects a cached prefix of cumulative float volumes, then confirms the answer with exact
  ``Decimal`` arithmetic whenever the float sum lands within 1e-9 (relative) of the request. The other depth queries
  walk the levels with ``Decimal`` arithmetic.

Zero amounts delete a level. An amount is recognised as zero when it is a numeric zero (``0``, ``0.0``,
``Decimal("0E-8")``) or one of the usual zero spellings of exchanges (``"0"``, ``"0.0"`` ... ``"0.000..."`` with up to
40 decimals, ``"0E-8"`` style is *not* recognised as a string).

Crossed books: after every ``apply_diffs``, while the best bid is >= the best ask, the top level whose update id is
older is dropped (ties drop the bid) -- Hummingbot's CEX rule. With ``dex=True`` the top level with the smaller
notional (price x amount) is dropped instead, and the rule also runs after snapshots. Because the best-price bounds
only loosen on deletes, the check costs one float comparison unless the bounds actually touch.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from functools import partial
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from hbrt.data_type.order_book_query_result import OrderBookQueryResult
from hbrt.data_type.order_book_row import OrderBookRow, to_decimal
from hbrt.event.events import OrderBookEvent, OrderBookTradeEvent
from hbrt.event.pubsub import PubSub
from hbrt.logger import HummingbotLogger, get_logger

if TYPE_CHECKING:
    from hbrt.data_type.order_book_message import OrderBookMessage

_NAN = Decimal("NaN")
_ZERO = Decimal(0)
_NEG_INF = float("-inf")
_POS_INF = float("inf")
# Relative distance under which a float cumulative sum is not trusted to decide ">= volume".
_FLOAT_TIE_TOLERANCE = 1e-9

#: Amount values that mean "delete this level". Numeric zeros of any type hash like ``0`` and compare equal to it.
ZERO_AMOUNTS: frozenset[Any] = frozenset(
    [0, "0", "-0", "+0", "0.", "-0.0", "+0.0"] + ["0." + "0" * i for i in range(1, 41)]
)

_Level = tuple[Any, int]  # (raw row, update id)
_new_result = partial(tuple.__new__, OrderBookQueryResult)  # skips NamedTuple's Python-level __new__

# Decimal -> float conversions of query volumes are memoised (bounded): ``float(Decimal)`` costs more than the whole
# bisect, and strategies ask for the same few order sizes over and over. Decimal hashes are cheap.
_FLOAT_MEMO: dict[Decimal, float] = {}
_FLOAT_MEMO_SIZE = 4096
_PRICE_CACHE_SIZE = 4096


def _float_memo(value: Decimal) -> float:
    if len(_FLOAT_MEMO) >= _FLOAT_MEMO_SIZE:
        _FLOAT_MEMO.clear()
    result = _FLOAT_MEMO[value] = float(value)
    return result


class OrderBookInconsistentError(OSError):
    """Raised by queries on a book its tracker knows to be inconsistent (a gap or checksum mismatch, resync pending).

    A subclass of ``OSError`` (``EnvironmentError``), which Hummingbot callers already expect from ``get_price`` on an
    empty side.
    """


class OrderBook(PubSub):
    """Bids and asks of one market, with Hummingbot's query API returning ``Decimal`` values.

    ``apply_snapshot``/``apply_diffs`` accept any iterables of rows whose first two items are the price and the amount
    (``OrderBookRow``, tuples or lists; items may be ``str``, ``Decimal``, ``int`` or ``float``). Rows are stored by
    reference and must not be mutated afterwards.
    """

    _logger: HummingbotLogger | None = None

    def __init__(self, dex: bool = False) -> None:
        super().__init__()
        self._dex = dex
        self._bids: dict[float, _Level] = {}
        self._asks: dict[float, _Level] = {}
        # Bounds on the best prices: no bid key is above _bid_ub, no ask key below _ask_lb.
        self._bid_ub = _NEG_INF
        self._ask_lb = _POS_INF
        # Caches: sorted keys (best first), cumulative float amounts along them (a prefix), best-price Decimal.
        self._bid_keys: list[float] | None = None
        self._ask_keys: list[float] | None = None
        self._bid_cum: list[float] | None = None
        self._ask_cum: list[float] | None = None
        self._bid_px: tuple[float, Decimal] | None = None
        self._ask_px: tuple[float, Decimal] | None = None
        # float key -> Decimal price, for query results. Entries never go stale: a key is one exact price.
        self._price_cache: dict[float, Decimal] = {}
        self.snapshot_uid: int = 0
        self.last_diff_uid: int = 0
        self.last_trade_price: Decimal = _NAN
        self.last_applied_trade: float = -1000.0
        self.last_trade_price_rest_updated: float = -1000.0
        #: False while the owning tracker knows the book is wrong (before its first snapshot, or after a detected gap
        #: until the resync completes). Every query then raises :class:`OrderBookInconsistentError`.
        self.is_consistent: bool = True

    @classmethod
    def logger(cls) -> HummingbotLogger:
        if cls._logger is None:
            cls._logger = get_logger(__name__)
        return cls._logger

    # ------------------------------------------------------------------ updates

    def apply_snapshot(self, bids: Iterable[Sequence[Any]], asks: Iterable[Sequence[Any]], update_id: int) -> None:
        """Replace both sides with ``bids``/``asks``. For a repeated price the first row wins; zero amounts are skipped.

        Sets ``snapshot_uid``; ``last_diff_uid`` is left alone (as in Hummingbot).
        """
        self._bids = self._load_side(bids, update_id)
        self._asks = self._load_side(asks, update_id)
        self._bid_ub = max(self._bids) if self._bids else _NEG_INF
        self._ask_lb = min(self._asks) if self._asks else _POS_INF
        self._invalidate(True, True)
        self.snapshot_uid = update_id
        if self._dex and self._bid_ub >= self._ask_lb:
            self._uncross()

    @staticmethod
    def _load_side(rows: Iterable[Sequence[Any]], update_id: int) -> dict[float, _Level]:
        side: dict[float, _Level] = {}
        zero = ZERO_AMOUNTS
        for row in rows:
            if row[1] in zero:
                continue
            price = float(row[0])
            if price not in side:
                side[price] = (row, update_id)
        return side

    def apply_diffs(self, bids: Iterable[Sequence[Any]], asks: Iterable[Sequence[Any]], update_id: int) -> None:
        """Set each level to its new absolute amount (zero deletes it), then resolve a crossed book.

        ``last_diff_uid`` becomes ``update_id`` unconditionally; ordering and gap checks are the tracker's job
        (see :mod:`hbrt.data_type.book_integrity`).
        """
        zero = ZERO_AMOUNTS
        side = self._bids
        size_before = len(side)
        highest = _NEG_INF
        deleted = False
        for row in bids:
            price = float(row[0])
            if row[1] in zero:
                if side.pop(price, None) is not None:
                    deleted = True
            else:
                side[price] = (row, update_id)
                if price > highest:
                    highest = price
        if deleted or highest != _NEG_INF:
            self._bid_cum = None
            self._bid_px = None
            if deleted or len(side) != size_before:
                self._bid_keys = None
            if highest > self._bid_ub:
                self._bid_ub = highest

        side = self._asks
        size_before = len(side)
        lowest = _POS_INF
        deleted = False
        for row in asks:
            price = float(row[0])
            if row[1] in zero:
                if side.pop(price, None) is not None:
                    deleted = True
            else:
                side[price] = (row, update_id)
                if price < lowest:
                    lowest = price
        if deleted or lowest != _POS_INF:
            self._ask_cum = None
            self._ask_px = None
            if deleted or len(side) != size_before:
                self._ask_keys = None
            if lowest < self._ask_lb:
                self._ask_lb = lowest

        self.last_diff_uid = update_id
        if self._bid_ub >= self._ask_lb:
            self._uncross()

    def apply_trade(self, trade: OrderBookTradeEvent) -> None:
        """Record ``trade.price`` as the last trade price and publish the trade as ``OrderBookEvent.TradeEvent``."""
        self.last_trade_price = to_decimal(trade.price)
        self.last_applied_trade = time.monotonic()
        self.trigger_event(OrderBookEvent.TradeEvent, trade)

    def restore_from_snapshot_and_diffs(self, snapshot: OrderBookMessage, diffs: Iterable[OrderBookMessage]) -> None:
        """Apply ``snapshot`` and replay only the diffs whose ``update_id`` is newer than it, in update-id order.

        Hummingbot's version replays every diff because its message ordering is broken; this one does not.
        """
        self.apply_snapshot(snapshot.raw_bids, snapshot.raw_asks, snapshot.update_id)
        for diff in sorted(d for d in diffs if d.update_id > snapshot.update_id):
            self.apply_diffs(diff.raw_bids, diff.raw_asks, diff.update_id)

    def clear(self) -> None:
        """Remove every level (ids and trade fields are kept)."""
        self._bids = {}
        self._asks = {}
        self._bid_ub = _NEG_INF
        self._ask_lb = _POS_INF
        self._invalidate(True, True)

    def _invalidate(self, bids: bool, asks: bool) -> None:
        if bids:
            self._bid_keys = self._bid_cum = None
            self._bid_px = None
        if asks:
            self._ask_keys = self._ask_cum = None
            self._ask_px = None

    def _uncross(self) -> None:
        bids, asks = self._bids, self._asks
        while True:
            best_bid = self._best_bid_key()
            best_ask = self._best_ask_key()
            if best_bid is None or best_ask is None or best_bid < best_ask:
                return
            bid_row, bid_uid = bids[best_bid]
            ask_row, ask_uid = asks[best_ask]
            if self._dex:
                drop_ask = to_decimal(ask_row[0]) * to_decimal(ask_row[1]) < to_decimal(bid_row[0]) * to_decimal(
                    bid_row[1]
                )
            else:
                drop_ask = ask_uid < bid_uid
            if drop_ask:
                del asks[best_ask]
                self._invalidate(False, True)
            else:
                del bids[best_bid]
                self._invalidate(True, False)

    # ------------------------------------------------------------------ best prices and ordering

    def _best_bid_key(self) -> float | None:
        side = self._bids
        bound = self._bid_ub
        if bound in side:
            return bound
        if not side:
            self._bid_ub = _NEG_INF
            return None
        keys = self._bid_keys
        bound = keys[0] if keys else max(side)
        self._bid_ub = bound
        return bound

    def _best_ask_key(self) -> float | None:
        side = self._asks
        bound = self._ask_lb
        if bound in side:
            return bound
        if not side:
            self._ask_lb = _POS_INF
            return None
        keys = self._ask_keys
        bound = keys[0] if keys else min(side)
        self._ask_lb = bound
        return bound

    def _sorted_keys(self, is_ask: bool) -> list[float]:
        if is_ask:
            keys = self._ask_keys
            if keys is None:
                keys = self._ask_keys = sorted(self._asks)
        else:
            keys = self._bid_keys
            if keys is None:
                keys = self._bid_keys = sorted(self._bids, reverse=True)
        return keys

    def _raise_inconsistent(self) -> None:
        raise OrderBookInconsistentError("Order book is inconsistent (waiting for a resync); refusing to serve it.")

    def _levels(self, is_ask: bool) -> Iterator[tuple[Any, int]]:
        """Yield ``(raw row, update id)`` best first (a buyer walks the asks, a seller the bids)."""
        if not self.is_consistent:
            self._raise_inconsistent()
        side = self._asks if is_ask else self._bids
        for key in self._sorted_keys(is_ask):
            level = side.get(key)
            if level is not None:
                yield level

    def _cumulative(self, is_ask: bool, volume: float) -> tuple[list[float], list[float]]:
        """Sorted keys and a cumulative-amount prefix long enough to reach ``volume`` (or covering the whole side)."""
        keys = self._sorted_keys(is_ask)
        if is_ask:
            side, cum = self._asks, self._ask_cum
            if cum is None:
                cum = self._ask_cum = []
        else:
            side, cum = self._bids, self._bid_cum
            if cum is None:
                cum = self._bid_cum = []
        done = len(cum)
        total = len(keys)
        while done < total and (done == 0 or cum[-1] < volume):
            end = min(total, done + max(32, done))
            amounts = accumulate((float(side[key][0][1]) for key in keys[done:end]), initial=cum[-1] if done else 0.0)
            next(amounts)
            cum.extend(amounts)
            done = end
        return keys, cum

    def bid_entries(self) -> Iterator[OrderBookRow]:
        """Bid levels as :class:`OrderBookRow`, best (highest) first."""
        levels = self._levels(False)
        return (OrderBookRow(to_decimal(row[0]), to_decimal(row[1]), uid) for row, uid in levels)

    def ask_entries(self) -> Iterator[OrderBookRow]:
        """Ask levels as :class:`OrderBookRow`, best (lowest) first."""
        levels = self._levels(True)
        return (OrderBookRow(to_decimal(row[0]), to_decimal(row[1]), uid) for row, uid in levels)

    def raw_top_levels(self, depth: int) -> tuple[list[Sequence[Any]], list[Sequence[Any]]]:
        """The top ``depth`` bid and ask rows exactly as the exchange sent them, best first.

        Meant for checksum functions (:class:`hbrt.data_type.book_integrity.Checksum`), so unlike the queries it also
        works while the book is marked inconsistent.
        """
        bids, asks = self._bids, self._asks
        return (
            [bids[key][0] for key in self._sorted_keys(False)[:depth]],
            [asks[key][0] for key in self._sorted_keys(True)[:depth]],
        )

    @property
    def snapshot(self) -> tuple[list[OrderBookRow], list[OrderBookRow]]:
        """``(bids, asks)`` as lists of rows, best first (Hummingbot returns DataFrames; no pandas here)."""
        return list(self.bid_entries()), list(self.ask_entries())

    @property
    def bid_count(self) -> int:
        return len(self._bids)

    @property
    def ask_count(self) -> int:
        return len(self._asks)

    # ------------------------------------------------------------------ queries

    def get_price(self, is_buy: bool) -> Decimal:
        """Best ask when buying, best bid when selling. Raises ``EnvironmentError`` if that side is empty."""
        if not self.is_consistent:
            self._raise_inconsistent()
        if is_buy:
            key = self._best_ask_key()
            cached = self._ask_px
            side = self._asks
        else:
            key = self._best_bid_key()
            cached = self._bid_px
            side = self._bids
        if key is None:
            raise OSError(f"Order book {'ask' if is_buy else 'bid'} side is empty.")
        if cached is not None and cached[0] == key:
            return cached[1]
        price = to_decimal(side[key][0][0])
        if is_buy:
            self._ask_px = (key, price)
        else:
            self._bid_px = (key, price)
        return price

    def get_mid_price(self) -> Decimal:
        """Mean of best bid and best ask."""
        return (self.get_price(True) + self.get_price(False)) / 2

    def get_price_for_volume(self, is_buy: bool, volume: Decimal) -> OrderBookQueryResult:
        """Price of the level at which the cumulative base amount, walked from the top, reaches ``volume``.

        ``result_price`` is NaN when the side holds less than ``volume``; ``result_volume`` is
        ``min(volume, cumulative amount)``.
        """
        if not self.is_consistent:
            self._raise_inconsistent()
        if type(volume) is not Decimal:
            volume = to_decimal(volume)
        target = _FLOAT_MEMO.get(volume)
        if target is None:
            target = _float_memo(volume)
        if is_buy:
            keys, cum = self._ask_keys, self._ask_cum
        else:
            keys, cum = self._bid_keys, self._bid_cum
        if keys is None or cum is None or not cum or (cum[-1] < target and len(cum) < len(keys)):
            keys, cum = self._cumulative(is_buy, target)
        index = bisect_left(cum, target)
        size = len(cum)
        tolerance = target * _FLOAT_TIE_TOLERANCE if target > 0 else 0.0
        if (index < size and cum[index] - target <= tolerance) or (index and target - cum[index - 1] <= tolerance):
            return self._price_for_volume_exact(is_buy, volume)
        if index == size:
            total = sum((to_decimal(row[1]) for row, _ in self._levels(is_buy)), _ZERO)
            return _new_result((_NAN, volume, _NAN, min(total, volume)))
        key = keys[index]
        price = self._price_cache.get(key)
        if price is None:
            price = self._decimal_price(key, is_buy)
        return _new_result((_NAN, volume, price, volume))

    def _decimal_price(self, key: float, is_ask: bool) -> Decimal:
        cache = self._price_cache
        if len(cache) >= _PRICE_CACHE_SIZE:
            cache.clear()
        price = cache[key] = to_decimal((self._asks if is_ask else self._bids)[key][0][0])
        return price

    def _price_for_volume_exact(self, is_buy: bool, volume: Decimal) -> OrderBookQueryResult:
        cumulative = _ZERO
        for row, _ in self._levels(is_buy):
            cumulative += to_decimal(row[1])
            if cumulative >= volume:
                return OrderBookQueryResult(_NAN, volume, to_decimal(row[0]), volume)
        return OrderBookQueryResult(_NAN, volume, _NAN, min(cumulative, volume))

    def get_vwap_for_volume(self, is_buy: bool, volume: Decimal) -> OrderBookQueryResult:
        """Volume-weighted average price of taking ``volume`` from the top; NaN if the side is too thin."""
        volume = to_decimal(volume)
        filled = _ZERO
        cost = _ZERO
        for row, _ in self._levels(is_buy):
            price = to_decimal(row[0])
            amount = to_decimal(row[1])
            if filled + amount >= volume:
                cost += (volume - filled) * price
                return OrderBookQueryResult(_NAN, volume, cost / volume if volume else price, volume)
            filled += amount
            cost += amount * price
        return OrderBookQueryResult(_NAN, volume, _NAN, filled)

    def get_volume_for_price(self, is_buy: bool, price: Decimal) -> OrderBookQueryResult:
        """Base amount available at ``price`` or better; ``result_price`` is the last level included (NaN if none)."""
        price = to_decimal(price)
        volume = _ZERO
        last_price = _NAN
        for row, _ in self._levels(is_buy):
            level_price = to_decimal(row[0])
            if (level_price > price) if is_buy else (level_price < price):
                break
            volume += to_decimal(row[1])
            last_price = level_price
        return OrderBookQueryResult(price, _NAN, last_price, volume)

    def get_quote_volume_for_price(self, is_buy: bool, price: Decimal) -> OrderBookQueryResult:
        """Quote amount (sum of price x amount) available at ``price`` or better."""
        price = to_decimal(price)
        quote = _ZERO
        last_price = _NAN
        for row, _ in self._levels(is_buy):
            level_price = to_decimal(row[0])
            if (level_price > price) if is_buy else (level_price < price):
                break
            quote += level_price * to_decimal(row[1])
            last_price = level_price
        return OrderBookQueryResult(price, _NAN, last_price, quote)

    def get_quote_volume_for_base_amount(self, is_buy: bool, base_amount: Decimal) -> OrderBookQueryResult:
        """Quote amount paid (buy) or received (sell) for ``base_amount``; ``result_volume`` is that quote amount.

        When the side holds less than ``base_amount`` the quote amount for the whole side is returned.
        """
        base_amount = to_decimal(base_amount)
        filled = _ZERO
        quote = _ZERO
        for row, _ in self._levels(is_buy):
            price = to_decimal(row[0])
            amount = to_decimal(row[1])
            if filled + amount >= base_amount:
                quote += (base_amount - filled) * price
                return OrderBookQueryResult(_NAN, base_amount, _NAN, quote)
            filled += amount
            quote += amount * price
        return OrderBookQueryResult(_NAN, base_amount, _NAN, quote)

    def get_price_for_quote_volume(self, is_buy: bool, quote_volume: Decimal) -> OrderBookQueryResult:
        """Price of the level at which the cumulative quote amount reaches ``quote_volume`` (NaN if never)."""
        quote_volume = to_decimal(quote_volume)
        quote = _ZERO
        for row, _ in self._levels(is_buy):
            price = to_decimal(row[0])
            quote += price * to_decimal(row[1])
            if quote >= quote_volume:
                return OrderBookQueryResult(_NAN, quote_volume, price, quote_volume)
        return OrderBookQueryResult(_NAN, quote_volume, _NAN, min(quote, quote_volume))

    def __repr__(self) -> str:
        return (
            f"OrderBook(bids={len(self._bids)}, asks={len(self._asks)}, snapshot_uid={self.snapshot_uid}, "
            f"last_diff_uid={self.last_diff_uid})"
        )
