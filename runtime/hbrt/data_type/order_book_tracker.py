"""Keeps one order book per trading pair in sync with an exchange (Hummingbot's ``OrderBookTracker``, rewritten).

Flow per pair:

1. Diffs are consumed as soon as the websocket runs. Until the pair has a snapshot they are *buffered*.
2. The snapshot comes from REST (``SNAPSHOT_SOURCE = "rest"``: fetched concurrently for all pairs, no per-pair
   sleep; with a gap-detecting policy the fetch waits briefly for the first diff so the snapshot is newer than the
   buffer's start) or from the websocket (``"websocket"``: a SNAPSHOT message replaces the book).
3. Applying a snapshot replays the buffered (and recently applied) diffs newer than it, through the integrity
   policy, in update-id order; older ones are dropped.
4. Every later diff is judged by the data source's ``BOOK_INTEGRITY`` policy: APPLY, IGNORE (duplicate / older) or
   GAP. A GAP (or a checksum mismatch after applying) is logged **once**, the book is marked inconsistent
   (``book.is_consistent = False``: its queries raise ``OrderBookInconsistentError``), incoming diffs are buffered,
   and **one** resync task fetches a fresh snapshot (REST) or resubscribes the pair (websocket) until the book is
   consistent again. Gaps found while a resync is running do not start another one.

Choice for inconsistent books: ``order_books`` / ``get_order_book`` still return them (so a connector finds the
object), but every price/depth query on such a book raises; ``consistent_order_books`` lists only good ones, and
``is_consistent(pair)`` tells. ``ready`` becomes True once every pair has had its first consistent snapshot.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from hbrt.data_type.book_integrity import APPLY, GAP, BookIntegrityPolicy, IntegrityVerdict
from hbrt.data_type.common import TradeType
from hbrt.data_type.order_book import OrderBook
from hbrt.data_type.order_book_message import OrderBookMessage
from hbrt.data_type.order_book_row import OrderBookRow, to_decimal
from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hbrt.event.events import OrderBookTradeEvent
from hbrt.logger import HummingbotLogger, get_logger
from hbrt.web_assistant.reconnect import ExponentialBackoff


class _ApplyingQueue(asyncio.Queue[OrderBookMessage]):
    """The queue the tracker hands its data source: ``put_nowait`` applies the message at once, in the caller's task.

    Parsers keep their Hummingbot signature (``message_queue.put_nowait(message)``), but no router task sits behind
    the queue: the message is applied before the parser returns, so a diff is in the book when the websocket reader
    reads the next frame. Errors are logged, never raised into the parser.
    """

    def __init__(self, apply: Callable[[OrderBookMessage], object], kind: str) -> None:
        super().__init__()
        self._apply = apply
        self._kind = kind

    def put_nowait(self, item: OrderBookMessage) -> None:
        try:
            self._apply(item)
        except Exception:
            OrderBookTracker.logger().exception("Unexpected error applying an order book %s: %r", self._kind, item)

    async def put(self, item: OrderBookMessage) -> None:
        self.put_nowait(item)


class _PairState:
    """Sync state of one pair's book."""

    __slots__ = (
        "book",
        "last_update_id",
        "first_after_snapshot",
        "synced",
        "initialized",
        "buffer",
        "window",
        "synced_event",
        "first_diff_event",
        "resync_task",
        "resync_count",
        "gap_count",
        "ignored_count",
    )

    def __init__(self, book: OrderBook, buffer_size: int, window_size: int) -> None:
        self.book = book
        self.last_update_id = -1
        self.first_after_snapshot = True
        self.synced = False
        self.initialized = False
        self.buffer: deque[OrderBookMessage] = deque(maxlen=buffer_size)
        self.window: deque[OrderBookMessage] = deque(maxlen=window_size)
        self.synced_event = asyncio.Event()
        self.first_diff_event = asyncio.Event()
        self.resync_task: asyncio.Task[None] | None = None
        self.resync_count = 0
        self.gap_count = 0
        self.ignored_count = 0


class OrderBookTracker:
    """One :class:`OrderBook` per trading pair, fed by an :class:`OrderBookTrackerDataSource`."""

    #: Recently applied diffs kept to replay on top of a periodic snapshot that is older than the book.
    PAST_DIFF_WINDOW_SIZE = 256
    #: Diffs buffered while a pair has no (consistent) snapshot; the oldest are dropped beyond this.
    DIFF_BUFFER_SIZE = 100_000
    #: REST snapshot fetches wait up to this long for the pair's first diff (gap-detecting policies only).
    FIRST_DIFF_WAIT_SECONDS = 5.0
    #: How long a websocket resync waits for the pushed snapshot before asking again.
    WEBSOCKET_SNAPSHOT_WAIT_SECONDS = 30.0
    #: A book whose last trade is older than this gets its last trade price from REST ...
    LAST_TRADE_PRICE_MAX_AGE = 180.0
    #: ... at most this often.
    LAST_TRADE_PRICE_REST_INTERVAL = 5.0

    _logger: HummingbotLogger | None = None

    def __init__(
        self, data_source: OrderBookTrackerDataSource, trading_pairs: list[str], domain: str | None = None
    ) -> None:
        self._data_source = data_source
        self._trading_pairs = list(trading_pairs)
        self._domain = domain
        self._policy: BookIntegrityPolicy = data_source.BOOK_INTEGRITY
        self._policy_verifies = type(self._policy).verify is not BookIntegrityPolicy.verify
        self._check_diff = self._policy.check_diff
        self._snapshot_source = data_source.SNAPSHOT_SOURCE
        self._order_books: dict[str, OrderBook] = {}
        self._states: dict[str, _PairState] = {}
        # What the data source's parsers put messages on: each applies them at once (no router task behind it).
        self._order_book_diff_stream: asyncio.Queue[OrderBookMessage] = _ApplyingQueue(self.apply_diff_message, "diff")
        self._order_book_snapshot_stream: asyncio.Queue[OrderBookMessage] = _ApplyingQueue(
            self.apply_snapshot_message, "snapshot"
        )
        self._order_book_trade_stream: asyncio.Queue[OrderBookMessage] = _ApplyingQueue(
            self.apply_trade_message, "trade"
        )
        self._ready_event = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
        self._time: Callable[[], float] = time.monotonic
        self._backoff_factory: Callable[[], ExponentialBackoff] = lambda: ExponentialBackoff(initial=1.0, maximum=30.0)
        for pair in self._trading_pairs:
            self._new_state(pair)

    @classmethod
    def logger(cls) -> HummingbotLogger:
        if cls._logger is None:
            cls._logger = get_logger(__name__)
        return cls._logger

    # ------------------------------------------------------------------ accessors

    @property
    def data_source(self) -> OrderBookTrackerDataSource:
        return self._data_source

    @property
    def order_books(self) -> dict[str, OrderBook]:
        """Every tracked book, including inconsistent ones (whose queries raise)."""
        return self._order_books

    @property
    def consistent_order_books(self) -> dict[str, OrderBook]:
        return {pair: book for pair, book in self._order_books.items() if book.is_consistent}

    def get_order_book(self, trading_pair: str) -> OrderBook:
        return self._order_books[trading_pair]

    def is_consistent(self, trading_pair: str) -> bool:
        state = self._states.get(trading_pair)
        return state is not None and state.synced

    @property
    def ready(self) -> bool:
        return self._ready_event.is_set()

    async def wait_ready(self) -> None:
        await self._ready_event.wait()

    @property
    def snapshot(self) -> dict[str, tuple[list[OrderBookRow], list[OrderBookRow]]]:
        """``(bids, asks)`` rows of every consistent book."""
        return {pair: book.snapshot for pair, book in self.consistent_order_books.items()}

    def integrity_stats(self, trading_pair: str) -> dict[str, int]:
        """Counters for one pair: resyncs started, gaps detected, diffs ignored (duplicates/older), buffered now."""
        state = self._states[trading_pair]
        return {
            "resyncs": state.resync_count,
            "gaps": state.gap_count,
            "ignored": state.ignored_count,
            "buffered": len(state.buffer),
        }

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the consumers, the websocket reader and the initial snapshots (stops first).

        The consumers start first, so the reader finds them registered and parses and applies each message inline.
        """
        self.stop()
        ds = self._data_source
        self._tasks = [
            asyncio.create_task(ds.listen_for_order_book_diffs(None, self._order_book_diff_stream)),
            asyncio.create_task(ds.listen_for_order_book_snapshots(None, self._order_book_snapshot_stream)),
            asyncio.create_task(ds.listen_for_trades(None, self._order_book_trade_stream)),
            asyncio.create_task(ds.listen_for_subscriptions()),
            asyncio.create_task(self._update_last_trade_prices_loop()),
        ]
        if self._snapshot_source == "rest":
            for pair in self._trading_pairs:
                self._ensure_resync(self._states[pair])
        self._check_ready()

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        for state in self._states.values():
            if state.resync_task is not None:
                state.resync_task.cancel()
                state.resync_task = None
        self._ready_event.clear()

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Subscribe a new pair and start syncing its book; ``False`` (and nothing kept) if subscribing fails."""
        if trading_pair in self._states:
            return True
        state = self._new_state(trading_pair)
        self._trading_pairs.append(trading_pair)
        try:
            subscribed = await self._data_source.subscribe_to_trading_pair(trading_pair)
        except asyncio.CancelledError:
            self._drop_state(trading_pair)
            raise
        if not subscribed:
            self._drop_state(trading_pair)
            return False
        if self._snapshot_source == "rest":
            self._ensure_resync(state)
        self.logger().info("Started order book tracking for %s.", trading_pair)
        return True

    async def remove_trading_pair(self, trading_pair: str) -> bool:
        """Stop tracking a pair: cancel its resync, unsubscribe, drop its book."""
        if trading_pair not in self._states:
            return False
        self._drop_state(trading_pair)
        await self._data_source.unsubscribe_from_trading_pair(trading_pair)
        self.logger().info("Stopped order book tracking for %s.", trading_pair)
        return True

    def _new_state(self, trading_pair: str) -> _PairState:
        book = self._data_source.order_book_create_function()
        book.is_consistent = False
        state = _PairState(book, self.DIFF_BUFFER_SIZE, self.PAST_DIFF_WINDOW_SIZE)
        self._states[trading_pair] = state
        self._order_books[trading_pair] = book
        return state

    def _drop_state(self, trading_pair: str) -> None:
        state = self._states.pop(trading_pair, None)
        self._order_books.pop(trading_pair, None)
        if trading_pair in self._trading_pairs:
            self._trading_pairs.remove(trading_pair)
        if state is not None and state.resync_task is not None:
            state.resync_task.cancel()

    # ------------------------------------------------------------------ message handling

    def apply_diff_message(self, message: OrderBookMessage) -> IntegrityVerdict | None:
        """Handle one DIFF synchronously (the router calls this); returns the verdict, ``None`` if buffered/unknown."""
        state = self._states.get(message.trading_pair)
        if state is None:
            return None
        if not state.synced:
            state.buffer.append(message)
            state.first_diff_event.set()
            return None
        verdict = self._check_diff(message, state.last_update_id, state.first_after_snapshot)
        if verdict is APPLY:
            book = state.book
            content = message.content  # raw_bids/raw_asks, read without the two property calls
            update_id = message.update_id
            book.apply_diffs(content.get("bids", ()), content.get("asks", ()), update_id)
            state.last_update_id = update_id
            state.first_after_snapshot = False
            state.window.append(message)
            if self._policy_verifies and not self._policy.verify(book, message):
                self._on_gap(state, message, "checksum mismatch")
        elif verdict is GAP:
            state.buffer.append(message)
            self._on_gap(state, message, "update id gap")
        else:
            state.ignored_count += 1
        return verdict

    def apply_snapshot_message(self, message: OrderBookMessage) -> bool:
        """Replace a pair's book with ``message`` and replay newer buffered/recent diffs; True if consistent after."""
        state = self._states.get(message.trading_pair)
        if state is None:
            return False
        book = state.book
        snapshot_id = message.update_id
        candidates = set(state.buffer)
        candidates.update(state.window)
        replay = sorted(m for m in candidates if m.update_id > snapshot_id)
        state.buffer.clear()
        state.window.clear()
        book.apply_snapshot(message.raw_bids, message.raw_asks, snapshot_id)
        state.last_update_id = snapshot_id
        state.first_after_snapshot = True
        state.synced = True
        book.is_consistent = True
        if self._policy_verifies and not self._policy.verify(book, message):
            self._on_gap(state, message, "checksum mismatch after snapshot")
        for diff in replay:
            self.apply_diff_message(diff)
        if state.synced:
            state.initialized = True
            state.synced_event.set()
            self._check_ready()
        return state.synced

    def _on_gap(self, state: _PairState, message: OrderBookMessage, reason: str) -> None:
        resync_running = state.resync_task is not None and not state.resync_task.done()
        state.synced = False
        state.synced_event.clear()
        state.book.is_consistent = False
        state.window.clear()
        if resync_running:
            return
        state.gap_count += 1
        self.logger().warning(
            "Order book for %s is out of sync (%s: book at update %s, message first=%s last=%s prev=%s, policy %r). "
            "Marking it inconsistent and resyncing.",
            message.trading_pair,
            reason,
            state.last_update_id,
            message.first_update_id,
            message.update_id,
            message.prev_update_id,
            self._policy,
        )
        self._ensure_resync(state)

    def _ensure_resync(self, state: _PairState) -> None:
        if state.resync_task is None or state.resync_task.done():
            state.resync_task = asyncio.create_task(self._resync(state))

    async def _resync(self, state: _PairState) -> None:
        """Fetch (REST) or request (websocket) snapshots until the pair is consistent again."""
        pair = next((p for p, s in self._states.items() if s is state), None)
        if pair is None:
            return
        backoff = self._backoff_factory()
        wait_for_first_diff = self._policy.detects_gaps and not state.initialized
        while not state.synced and self._states.get(pair) is state:
            state.resync_count += 1
            try:
                if self._snapshot_source == "rest":
                    if wait_for_first_diff:
                        wait_for_first_diff = False
                        try:
                            await asyncio.wait_for(state.first_diff_event.wait(), self.FIRST_DIFF_WAIT_SECONDS)
                        except TimeoutError:
                            pass
                    snapshot = await self._data_source._order_book_snapshot(pair)
                    if self._states.get(pair) is not state:
                        return
                    self.apply_snapshot_message(snapshot)
                else:
                    if await self._data_source.request_websocket_snapshot(pair):
                        try:
                            await asyncio.wait_for(state.synced_event.wait(), self.WEBSOCKET_SNAPSHOT_WAIT_SECONDS)
                        except TimeoutError:
                            pass
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().network("Error getting the order book snapshot for %s; retrying.", pair, exc_info=True)
            if not state.synced:
                await self._sleep(backoff.next_delay())
        if state.synced:
            self.logger().info("Order book for %s is in sync (update %s).", pair, state.last_update_id)

    def _check_ready(self) -> None:
        if self._states and all(s.initialized for s in self._states.values()):
            self._ready_event.set()

    # ------------------------------------------------------------------ loops

    def apply_trade_message(self, message: OrderBookMessage) -> None:
        """Record one TRADE on its pair's book (last trade price, ``OrderBookEvent.TradeEvent``)."""
        state = self._states.get(message.trading_pair)
        if state is None:
            return
        content = message.content
        event = OrderBookTradeEvent(
            trading_pair=message.trading_pair,
            timestamp=message.timestamp,
            type=TradeType(int(float(content["trade_type"]))),
            price=to_decimal(content["price"]),
            amount=to_decimal(content["amount"]),
            trade_id=str(message.trade_id),
        )
        state.book.apply_trade(event)

    async def _update_last_trade_prices_loop(self) -> None:
        while True:
            now = self._time()
            stale = [
                pair
                for pair, book in self._order_books.items()
                if now - book.last_applied_trade > self.LAST_TRADE_PRICE_MAX_AGE
                and now - book.last_trade_price_rest_updated > self.LAST_TRADE_PRICE_REST_INTERVAL
            ]
            if stale:
                try:
                    prices = await self._data_source.get_last_traded_prices(trading_pairs=stale, domain=self._domain)
                    for pair, price in prices.items():
                        book = self._order_books.get(pair)
                        if book is not None:
                            book.last_trade_price = to_decimal(price) if price is not None else Decimal("NaN")
                            book.last_trade_price_rest_updated = now
                except asyncio.CancelledError:
                    raise
                except Exception:
                    self.logger().network("Error fetching last traded prices.", exc_info=True)
                    await self._sleep(30)
                    continue
            await self._sleep(1)
