"""A pure-Python limit order book for one trading pair (Hummingbot's ``OrderBook``, rewritten).

Representation (chosen by measurement, see ``bench/order_book.py`` and ``docs/runtime.md``):

* Each side is a :class:`_Side`. Its ``levels`` dict is keyed by a float *key*: the price for bids and minus the
  price for asks, so on both sides the largest key is the best level and one code path serves both. The value is
  ``(row, update_id)``: ``row`` is the caller's row object itself (``OrderBookRow``, or a ``[price, amount, ...]``
  list straight from the exchange's JSON), kept unconverted until a query needs it; ``update_id`` is the id of the
  snapshot or diff that last set the level. Applying a level is one ``float()`` of the price, one set-membership
  test of the amount and one dict store: no ``Decimal`` is built on the hot path.
* The float key is only an *index*. Results are built from the stored raw strings/Decimals, so prices and amounts
  come back exactly as the exchange sent them. Distinct decimal prices map to distinct floats as long as they have
  at most 15 significant digits, which holds for every listed market.
* Best prices. Each side keeps an upper ``bound`` of its keys (inserts raise it, deletes leave it) and the best
  price as a ``Decimal`` (``best``), dropped only when a diff touches the top of the side. ``get_price`` is one
  attribute read while that value stands; after that the bound is the best key when that level still exists, else
  the last key of the sorted index, else one C-level ``max`` over the keys.
* The sorted index (``keys``: every key ascending, so the best level is last and the insertions and deletions of a
  live feed, which happen near the top, move little memory) is built by the first query that needs order. While
  queries keep coming, ``apply_diffs`` maintains it incrementally (``bisect.insort`` for a new price, one deletion
  for a removed one; amount changes cost nothing). When more than ``_RESORT_EQUIVALENT`` prices came or went
  without a query in between, maintaining it costs more than one C-level re-sort, so it is dropped and rebuilt by
  the next query: a feed that nobody reads pays nothing for it.
* Depth queries read cumulative prefixes from the best level down, kept between calls and cut back only to the
  levels above the highest key a diff touched (``dirty``): float cumulative amounts for ``get_price_for_volume`` (one
  bisect for the volume less its 1e-9 relative tolerance; when the sum found also exceeds the volume plus the
  tolerance it is the answer, otherwise the answer is confirmed exactly), and exact ``Decimal`` prices,
  cumulative amounts and cumulative notionals for the VWAP and quote queries (a bisect and at most three
  ``Decimal`` operations per call). Prefixes are extended only as deep as a query reaches.

Zero amounts delete a level. An amount is recognised as zero when it is a numeric zero (``0``, ``0.0``,
``Decimal("0E-8")``) or one of the usual zero spellings of exchanges (``"0"``, ``"0.0"`` ... ``"0.000..."`` with up to
40 decimals, ``"0E-8"`` style is *not* recognised as a string).

Crossed books: after every ``apply_diffs``, while the best bid is >= the best ask, the top level whose update id is
older is dropped (ties drop the bid) -- Hummingbot's CEX rule. With ``dex=True`` the top level with the smaller
notional (price x amount) is dropped instead, and the rule also runs after snapshots. Because the bounds only loosen
on deletes, the check costs one float comparison unless the bounds actually touch.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right, insort
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
_INF = float("inf")
_NEG_INF = float("-inf")
# Relative distance under which a float cumulative sum is not trusted to decide ">= volume".
_FLOAT_TIE_TOLERANCE = 1e-9
_PREFIX_CHUNK = 32

#: Amount values that mean "delete this level". Numeric zeros of any type hash like ``0`` and compare equal to it.
ZERO_AMOUNTS: frozenset[Any] = frozenset(
    [0, "0", "-0", "+0", "0.", "-0.0", "+0.0"] + ["0." + "0" * i for i in range(1, 41)]
)

_Level = tuple[Any, int]  # (raw row, update id)
_new_result = partial(tuple.__new__, OrderBookQueryResult)  # skips NamedTuple's Python-level __new__

# Decimal -> float conversions of query volumes are memoised (bounded): ``float(Decimal)`` costs more than the whole
# bisect, and strategies ask for the same few order sizes over and over. Decimal hashes are cheap.
_FLOAT_MEMO: dict[Decimal, tuple[float, float]] = {}
_FLOAT_MEMO_SIZE = 4096
_PRICE_MEMO_SIZE = 4096
# Past this many prices added or removed without a query, keeping the sorted index up to date has cost more than
# the one C-level re-sort the next query would do (measured on bench/order_book.py's workload), so it is dropped.
_RESORT_EQUIVALENT = 8


def _float_memo(value: Decimal) -> tuple[float, float]:
    """``(low, high)``: the float of ``value`` widened by the tie tolerance on both sides."""
    if len(_FLOAT_MEMO) >= _FLOAT_MEMO_SIZE:
        _FLOAT_MEMO.clear()
    target = float(value)
    slack = abs(target) * _FLOAT_TIE_TOLERANCE
    result = _FLOAT_MEMO[value] = (target - slack, target + slack)
    return result


class OrderBookInconsistentError(OSError):
    """Raised by queries on a book its tracker knows to be inconsistent (a gap or checksum mismatch, resync pending).

    A subclass of ``OSError`` (``EnvironmentError``), which Hummingbot callers already expect from ``get_price`` on an
    empty side.
    """


class _Side:
    """One side of the book, keyed so that the *largest* key is the best level (see the module docstring)."""

    __slots__ = (
        "sign",
        "levels",
        "bound",
        "best",
        "keys",
        "indexed",
        "changes",
        "dirty",
        "cum",
        "prices",
        "amounts",
        "notionals",
        "memo",
    )

    def __init__(self, sign: float) -> None:
        self.sign = sign  # key = sign * price: +1.0 for bids, -1.0 for asks
        self.levels: dict[float, _Level] = {}
        self.bound = _NEG_INF  # no key is above it
        self.best: Decimal | None = None  # the best price, while known
        # The sorted index while ``indexed``: every key, ascending, so the best level is last and the changes of a
        # live feed (near the top) move little memory.
        self.keys: list[float] = []
        self.indexed = False
        self.changes = 0  # membership changes applied to the index since a query last used it
        # The prefixes below are stale for keys <= dirty (for every key while there is no index).
        self.dirty = _INF
        self.cum: list[float] = []  # cumulative float amounts, from the best level down
        self.prices: list[Decimal] = []  # exact prices, cumulative amounts and notionals, from the best level down
        self.amounts: list[Decimal] = []
        self.notionals: list[Decimal] = []
        # key -> Decimal price, for query results; never stale (a key is one exact price), bounded in size.
        self.memo: dict[float, Decimal] = {}

    def memo_price(self, key: float) -> Decimal:
        memo = self.memo
        if len(memo) >= _PRICE_MEMO_SIZE:
            memo.clear()
        price = memo[key] = to_decimal(self.levels[key][0][0])
        return price

    def reset(self, levels: dict[float, _Level]) -> None:
        self.levels = levels
        self.bound = max(levels) if levels else _NEG_INF
        self.best = None
        self.drop_index()

    def drop_index(self) -> None:
        self.keys = []
        self.indexed = False
        self.changes = 0
        self.dirty = _INF
        self.cum = []
        self.prices = []
        self.amounts = []
        self.notionals = []

    def touched(self, high: float) -> None:
        """Levels with keys <= ``high`` changed: forget the best price if the top moved, mark prefixes stale.

        ``apply_diffs`` inlines this.
        """
        if high > self.dirty:
            self.dirty = high
        if high >= self.bound:
            self.best = None
            self.bound = high

    def apply_indexed(self, rows: Iterable[Sequence[Any]], update_id: int) -> float:
        """``apply_diffs`` for a side whose index is in use: keep it sorted. Returns the largest key changed."""
        zero = ZERO_AMOUNTS
        sign = self.sign
        levels = self.levels
        keys = self.keys
        changes = self.changes
        high = _NEG_INF
        for row in rows:
            key = sign * float(row[0])
            if row[1] in zero:
                if levels.pop(key, None) is not None:
                    del keys[bisect_left(keys, key)]
                    changes += 1
                    if key > high:
                        high = key
            else:
                if key not in levels:
                    insort(keys, key)
                    changes += 1
                levels[key] = (row, update_id)
                if key > high:
                    high = key
        self.changes = changes
        if changes > _RESORT_EQUIVALENT:  # queries are rare: let the next one re-sort
            self.drop_index()
        return high

    def index(self) -> list[float]:
        """The sorted keys (built if needed), with stale prefix entries cut off. Marks the index as in use."""
        keys = self.keys
        if not self.indexed:
            keys = self.keys = sorted(self.levels)
            self.indexed = True
        self.changes = 0
        dirty = self.dirty
        if dirty != _NEG_INF:
            # Levels above ``dirty`` are unchanged; the prefixes hold the top ones first.
            clean = 0 if dirty == _INF else len(keys) - bisect_right(keys, dirty)
            del self.cum[clean:], self.prices[clean:], self.amounts[clean:], self.notionals[clean:]
            self.dirty = _NEG_INF
        return keys

    @staticmethod
    def top(keys: list[float], start: int, stop: int) -> Iterator[float]:
        """The keys of the levels at depths ``start``..``stop - 1`` (0 is the best level), best first."""
        size = len(keys)
        return reversed(keys[max(size - stop, 0) : max(size - start, 0)])

    def best_key(self) -> float | None:
        """The best key: the bound while that level exists, else the index's last key or one C-level ``max``."""
        levels = self.levels
        bound = self.bound
        if bound in levels:
            return bound
        if not levels:
            self.bound = _NEG_INF
            return None
        bound = self.bound = self.keys[-1] if self.indexed else max(levels)
        return bound

    def remove_best(self) -> None:
        key = self.best_key()
        assert key is not None
        del self.levels[key]
        if self.indexed:
            self.keys.pop()
        self.touched(key)

    def float_prefix(self, keys: list[float], target: float) -> list[float]:
        """Cumulative float amounts, extended until they reach ``target`` or cover the side."""
        cum = self.cum
        done, total = len(cum), len(keys)
        levels = self.levels
        while done < total and (done == 0 or cum[-1] < target):
            end = min(total, done + max(_PREFIX_CHUNK, done))
            amounts = accumulate(
                (float(levels[key][0][1]) for key in self.top(keys, done, end)), initial=cum[-1] if done else 0.0
            )
            next(amounts)
            cum.extend(amounts)
            done = end
        return cum

    def exact_prefix(
        self, keys: list[float], upto: int, reach: list[Decimal] | None = None, target: Decimal = _ZERO
    ) -> None:
        """Extend the exact prefixes to ``upto`` levels, or only until ``reach`` (amounts or notionals) >= target."""
        prices, amounts, notionals = self.prices, self.amounts, self.notionals
        done = len(amounts)
        amount_sum = amounts[-1] if done else _ZERO
        notional_sum = notionals[-1] if done else _ZERO
        levels = self.levels
        for key in self.top(keys, done, upto):
            row = levels[key][0]
            price = to_decimal(row[0])
            amount = to_decimal(row[1])
            amount_sum += amount
            notional_sum += amount * price
            prices.append(price)
            amounts.append(amount_sum)
            notionals.append(notional_sum)
            if reach is not None and reach[-1] >= target:
                return

    def exact_until(self, keys: list[float], reach: list[Decimal], target: Decimal) -> int:
        """Extend the exact prefixes until ``reach`` (amounts or notionals) gets to ``target``; the index there."""
        if not reach or reach[-1] < target:
            self.exact_prefix(keys, len(keys), reach, target)
        return bisect_left(reach, target)

    def count_through(self, keys: list[float], price: Decimal) -> int:
        """How many levels are at ``price`` or better (exact, also when ``price`` shares a level's float)."""
        key = self.sign * float(price)
        count = len(keys) - bisect_left(keys, key)
        self.exact_prefix(keys, count)
        if count and keys[len(keys) - count] == key:
            last = self.prices[count - 1]
            if (last < price) if self.sign > 0 else (last > price):
                count -= 1
        return count


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
        self._bids = _Side(1.0)
        self._asks = _Side(-1.0)
        self._consistent = True
        self.snapshot_uid: int = 0
        self.last_diff_uid: int = 0
        self.last_trade_price: Decimal = _NAN
        self.last_applied_trade: float = -1000.0
        self.last_trade_price_rest_updated: float = -1000.0

    @classmethod
    def logger(cls) -> HummingbotLogger:
        if cls._logger is None:
            cls._logger = get_logger(__name__)
        return cls._logger

    @property
    def is_consistent(self) -> bool:
        """False while the owning tracker knows the book is wrong (before its first snapshot, after a detected gap or
        a dropped connection, until the resync completes). Every query then raises :class:`OrderBookInconsistentError`.
        """
        return self._consistent

    @is_consistent.setter
    def is_consistent(self, value: bool) -> None:
        self._consistent = value
        if not value:  # the cached best prices must not answer get_price any more
            self._bids.best = self._asks.best = None

    # ------------------------------------------------------------------ updates

    def apply_snapshot(self, bids: Iterable[Sequence[Any]], asks: Iterable[Sequence[Any]], update_id: int) -> None:
        """Replace both sides with ``bids``/``asks``. For a repeated price the first row wins; zero amounts are skipped.

        Sets ``snapshot_uid``; ``last_diff_uid`` is left alone (as in Hummingbot).
        """
        for side, rows in ((self._bids, bids), (self._asks, asks)):
            levels: dict[float, _Level] = {}
            sign = side.sign
            zero = ZERO_AMOUNTS
            for row in rows:
                if row[1] in zero:
                    continue
                key = sign * float(row[0])
                if key not in levels:
                    levels[key] = (row, update_id)
            side.reset(levels)
        self.snapshot_uid = update_id
        if self._dex and self._bids.bound + self._asks.bound >= 0:
            self._uncross()

    def apply_diffs(self, bids: Iterable[Sequence[Any]], asks: Iterable[Sequence[Any]], update_id: int) -> None:
        """Set each level to its new absolute amount (zero deletes it), then resolve a crossed book.

        ``last_diff_uid`` becomes ``update_id`` unconditionally; ordering and gap checks are the tracker's job
        (see :mod:`hbrt.data_type.book_integrity`).
        """
        # The two loops differ only in the key's sign; they are written out because this is the hot path.
        zero = ZERO_AMOUNTS
        side = self._bids
        if not side.indexed:
            levels = side.levels
            high = _NEG_INF  # the largest key this diff changed
            for row in bids:
                key = float(row[0])
                if row[1] in zero:
                    if levels.pop(key, None) is not None and key > high:
                        high = key
                else:
                    levels[key] = (row, update_id)
                    if key > high:
                        high = key
        else:
            high = side.apply_indexed(bids, update_id)
        if high != _NEG_INF:  # side.touched(high), inlined
            if high > side.dirty:
                side.dirty = high
            if high >= side.bound:
                side.best = None
                side.bound = high
        side = self._asks
        if not side.indexed:
            levels = side.levels
            high = _NEG_INF
            for row in asks:
                key = -float(row[0])
                if row[1] in zero:
                    if levels.pop(key, None) is not None and key > high:
                        high = key
                else:
                    levels[key] = (row, update_id)
                    if key > high:
                        high = key
        else:
            high = side.apply_indexed(asks, update_id)
        if high != _NEG_INF:  # side.touched(high), inlined
            if high > side.dirty:
                side.dirty = high
            if high >= side.bound:
                side.best = None
                side.bound = high
        self.last_diff_uid = update_id
        if self._bids.bound + self._asks.bound >= 0:  # best bid >= best ask by the bounds: look closer
            self._uncross()

    def truncate(self, depth: int) -> None:
        """Keep only the best ``depth`` levels of each side.

        For exchanges that publish a book of a fixed depth and send no delete for a level that falls below it
        (Kraken): such a level is stale, and could otherwise surface as the levels above it go.
        """
        for side in (self._bids, self._asks):
            if len(side.levels) > depth:
                levels = side.levels
                side.reset({key: levels[key] for key in side.top(side.index(), 0, depth)})

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
        self._bids.reset({})
        self._asks.reset({})

    def _uncross(self) -> None:
        bids, asks = self._bids, self._asks
        while True:
            bid_key = bids.best_key()
            ask_key = asks.best_key()
            if bid_key is None or ask_key is None or bid_key + ask_key < 0:
                return
            bid_row, bid_uid = bids.levels[bid_key]
            ask_row, ask_uid = asks.levels[ask_key]
            if self._dex:
                ask_notional = to_decimal(ask_row[0]) * to_decimal(ask_row[1])
                drop_ask = ask_notional < to_decimal(bid_row[0]) * to_decimal(bid_row[1])
            else:
                drop_ask = ask_uid < bid_uid
            (asks if drop_ask else bids).remove_best()

    # ------------------------------------------------------------------ levels

    def _side(self, is_ask: bool) -> _Side:
        if not self._consistent:
            raise OrderBookInconsistentError("Order book is inconsistent (waiting for a resync); refusing to serve it.")
        return self._asks if is_ask else self._bids

    def _levels(self, is_ask: bool) -> Iterator[_Level]:
        """``(raw row, update id)`` best first (a buyer walks the asks, a seller the bids)."""
        side = self._side(is_ask)
        get = side.levels.get
        return (level for level in map(get, side.index()[::-1]) if level is not None)

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
            [bids.levels[key][0] for key in bids.top(bids.index(), 0, depth)],
            [asks.levels[key][0] for key in asks.top(asks.index(), 0, depth)],
        )

    @property
    def snapshot(self) -> tuple[list[OrderBookRow], list[OrderBookRow]]:
        """``(bids, asks)`` as lists of rows, best first (Hummingbot returns DataFrames; no pandas here)."""
        return list(self.bid_entries()), list(self.ask_entries())

    @property
    def bid_count(self) -> int:
        return len(self._bids.levels)

    @property
    def ask_count(self) -> int:
        return len(self._asks.levels)

    # ------------------------------------------------------------------ queries

    def get_price(self, is_buy: bool) -> Decimal:
        """Best ask when buying, best bid when selling. Raises ``EnvironmentError`` if that side is empty."""
        price = (self._asks if is_buy else self._bids).best
        if price is None:
            side = self._side(is_buy)
            key = side.best_key()
            if key is None:
                raise OSError(f"Order book {'ask' if is_buy else 'bid'} side is empty.")
            price = side.best = to_decimal(side.levels[key][0][0])
        return price

    def get_mid_price(self) -> Decimal:
        """Mean of best bid and best ask."""
        return (self.get_price(True) + self.get_price(False)) / 2

    def get_price_for_volume(self, is_buy: bool, volume: Decimal) -> OrderBookQueryResult:
        """Price of the level at which the cumulative base amount, walked from the top, reaches ``volume``.

        ``result_price`` is NaN when the side holds less than ``volume``; ``result_volume`` is
        ``min(volume, cumulative amount)``.
        """
        side = self._asks if is_buy else self._bids
        if not self._consistent:
            self._side(is_buy)  # raises
        if type(volume) is not Decimal:
            volume = to_decimal(volume)
        bounds = _FLOAT_MEMO.get(volume)
        if bounds is None:
            bounds = _float_memo(volume)
        low, high = bounds
        cum = side.cum
        if side.dirty != _NEG_INF or not cum or cum[-1] < high:
            cum = side.float_prefix(side.index(), high)
        # The first cumulative sum at or above ``low``: when it is also above ``high``, no sum lies within the tie
        # tolerance of the volume and it is the answer; otherwise floats cannot tell and the exact path decides.
        index = bisect_left(cum, low)
        if index < len(cum) and cum[index] > high:
            key = side.keys[-1 - index]  # the index exists: dirty is -inf only while it does
            price = side.memo.get(key)
            if price is None:
                price = side.memo_price(key)
            return _new_result((_NAN, volume, price, volume))
        # Too close to call in floats, or the side is too thin: decide exactly.
        index = side.exact_until(side.keys, side.amounts, volume)
        if index == len(side.amounts):
            return _new_result((_NAN, volume, _NAN, min(side.amounts[-1] if index else _ZERO, volume)))
        return _new_result((_NAN, volume, side.prices[index], volume))

    def get_vwap_for_volume(self, is_buy: bool, volume: Decimal) -> OrderBookQueryResult:
        """Volume-weighted average price of taking ``volume`` from the top; NaN if the side is too thin."""
        volume = to_decimal(volume)
        side = self._side(is_buy)
        index = side.exact_until(side.index(), side.amounts, volume)
        amounts = side.amounts
        if index == len(amounts):
            return _new_result((_NAN, volume, _NAN, amounts[-1] if index else _ZERO))
        price = side.prices[index]
        if not volume:
            return _new_result((_NAN, volume, price, volume))
        cost = side.notionals[index - 1] + (volume - amounts[index - 1]) * price if index else volume * price
        return _new_result((_NAN, volume, cost / volume, volume))

    def get_quote_volume_for_base_amount(self, is_buy: bool, base_amount: Decimal) -> OrderBookQueryResult:
        """Quote amount paid (buy) or received (sell) for ``base_amount``; ``result_volume`` is that quote amount.

        When the side holds less than ``base_amount`` the quote amount for the whole side is returned.
        """
        base_amount = to_decimal(base_amount)
        side = self._side(is_buy)
        index = side.exact_until(side.index(), side.amounts, base_amount)
        notionals = side.notionals
        if index == len(notionals):
            quote = notionals[-1] if index else _ZERO
        elif index:
            quote = notionals[index - 1] + (base_amount - side.amounts[index - 1]) * side.prices[index]
        else:
            quote = base_amount * side.prices[0]
        return _new_result((_NAN, base_amount, _NAN, quote))

    def get_price_for_quote_volume(self, is_buy: bool, quote_volume: Decimal) -> OrderBookQueryResult:
        """Price of the level at which the cumulative quote amount reaches ``quote_volume`` (NaN if never)."""
        quote_volume = to_decimal(quote_volume)
        side = self._side(is_buy)
        index = side.exact_until(side.index(), side.notionals, quote_volume)
        notionals = side.notionals
        if index == len(notionals):
            return _new_result((_NAN, quote_volume, _NAN, min(notionals[-1] if index else _ZERO, quote_volume)))
        return _new_result((_NAN, quote_volume, side.prices[index], quote_volume))

    def get_volume_for_price(self, is_buy: bool, price: Decimal) -> OrderBookQueryResult:
        """Base amount available at ``price`` or better; ``result_price`` is the last level included (NaN if none)."""
        price = to_decimal(price)
        side = self._side(is_buy)
        count = side.count_through(side.index(), price)
        if not count:
            return _new_result((price, _NAN, _NAN, _ZERO))
        return _new_result((price, _NAN, side.prices[count - 1], side.amounts[count - 1]))

    def get_quote_volume_for_price(self, is_buy: bool, price: Decimal) -> OrderBookQueryResult:
        """Quote amount (sum of price x amount) available at ``price`` or better."""
        price = to_decimal(price)
        side = self._side(is_buy)
        count = side.count_through(side.index(), price)
        if not count:
            return _new_result((price, _NAN, _NAN, _ZERO))
        return _new_result((price, _NAN, side.prices[count - 1], side.notionals[count - 1]))

    def __repr__(self) -> str:
        return (
            f"OrderBook(bids={self.bid_count}, asks={self.ask_count}, snapshot_uid={self.snapshot_uid}, "
            f"last_diff_uid={self.last_diff_uid})"
        )
