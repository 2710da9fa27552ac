"""Keeps one order book per trading pair in sync with an exchange (Hummingbot's ``OrderBookTracker``, rewritten).

Flow per pair:

1. Diffs are consumed as soon as the websocket runs. Until the pair has a snapshot they are *buffered*.
2. The snapshot comes from REST (``SNAPSHOT_SOURCE = "rest"``: fetched concurrently for all pairs, no per-pair
   sleep; with a gap-detecting policy the fetch waits briefly for the first diff so the snapshot is newer than the
   buffer's start) or from the websocket (``"websocket"``: a SNAPSHOT message replaces the book).
3. Applying a snapshot replays the buffered (and recently applied) diffs newer than it, through the integrity
   policy, in update-id order; older ones are dropped.
4. Every later diff is judged by the data source's ``BOOK_INTEGRITY`` policy: APPLY, IGNORE (duplicate / older) or
   GAP. A diff that comes *early* (a GAP by its ids) is held for up to ``REORDER_WINDOW_SECONDS`` (and at most
   ``REORDER_WINDOW_MESSAGES`` diffs): when the diffs it follows arrive, everything is applied in order, without a
   snapshot. Only a gap the window does not fill (or a checksum mismatch after applying) is a real one: it is
   logged **once**, the book is marked inconsistent (``book.is_consistent = False``: its queries raise
   ``OrderBookInconsistentError``), incoming diffs are buffered, and **one** resync task fetches a fresh snapshot
   (REST) or resubscribes the pair (websocket) until the book is consistent again. Gaps found while a resync is
   running do not start another one.
5. When the public connection that carries the books drops (the data source tells at once, before its reconnect
   wait), every book is marked inconsistent with the reason, and its resync waits for the new connection; a book is
   served again only once the resubscribed stream has re-established it.
6. A REST resync waits for the snapshot's request weight *outside* the throttler's queue
   (``OrderBookTrackerDataSource.snapshot_request_wait``), keeping ``RESYNC_WEIGHT_RESERVE`` of each pool free, so
   a burst of gaps never holds up orders and cancels queued behind a heavy snapshot call.

Choice for inconsistent books: ``order_books`` / ``get_order_book`` still return them (so a connector finds the
object), but every price/depth query on such a book raises; ``consistent_order_books`` lists only good ones,
``is_consistent(pair)`` tells, and ``unavailable_reason(pair)`` says why. ``ready`` is True while every pair's book
is consistent (so it turns False on a disconnect or a gap until the resync completes).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from hbrt.data_type.book_integrity import APPLY, GAP, IGNORE, BookIntegrityPolicy, IntegrityVerdict
from hbrt.data_type.common import TradeType
from hbrt.data_type.order_book import OrderBook
from hbrt.data_type.order_book_message import OrderBookMessage
from hbrt.data_type.order_book_row import OrderBookRow, to_decimal
from hbrt.data_type.order_book_sync import ApplyingQueue, PairState
from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hbrt.event.events import OrderBookTradeEvent
from hbrt.logger import HummingbotLogger, get_logger
from hbrt.web_assistant.reconnect import ExponentialBackoff


class OrderBookTracker:
    """One :class:`OrderBook` per trading pair, fed by an :class:`OrderBookTrackerDataSource`."""

    #: Recently applied diffs kept to replay on top of a periodic snapshot that is older than the book (Hummingbot's
    #: value). Under a policy that detects gaps, a snapshot older than the window reaches is never served wrongly:
    #: its replay starts with a gap, which resyncs. Every applied diff stays alive until it leaves the window, so a
    #: longer one costs CPU on every message (256 cost 0.55 us a message more than 32 in ``bench/e2e_book.py``).
    PAST_DIFF_WINDOW_SIZE = 32
    #: Diffs buffered while a pair has no (consistent) snapshot; the oldest are dropped beyond this.
    DIFF_BUFFER_SIZE = 100_000
    #: REST snapshot fetches wait up to this long for the pair's first diff (gap-detecting policies only).
    FIRST_DIFF_WAIT_SECONDS = 5.0
    #: How long a websocket resync waits for the pushed snapshot before asking again.
    WEBSOCKET_SNAPSHOT_WAIT_SECONDS = 30.0
    #: How long an early diff waits for the diffs it follows before the gap counts (0 disables reordering) ...
    REORDER_WINDOW_SECONDS = 0.5
    #: ... and how many early diffs may wait at once.
    REORDER_WINDOW_MESSAGES = 32
    #: Share of each rate-limit pool a resync leaves free for other requests (it waits until it can).
    RESYNC_WEIGHT_RESERVE = 0.1
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
        self._keep_levels = data_source.BOOK_KEEP_LEVELS
        self._order_books: dict[str, OrderBook] = {}
        self._states: dict[str, PairState] = {}
        # What the data source's parsers put messages on: each applies them at once (no router task behind it).
        self._order_book_diff_stream: asyncio.Queue[OrderBookMessage] = ApplyingQueue(self.apply_diff_message, "diff")
        self._order_book_snapshot_stream: asyncio.Queue[OrderBookMessage] = ApplyingQueue(
            self.apply_snapshot_message, "snapshot"
        )
        self._order_book_trade_stream: asyncio.Queue[OrderBookMessage] = ApplyingQueue(
            self.apply_trade_message, "trade"
        )
        self._ready_event = asyncio.Event()
        # Whether the book stream is up (assumed until the data source says otherwise), and how many times it
        # dropped: a snapshot fetched under an older stream is never applied to a newer one.
        self._stream_up = asyncio.Event()
        self._stream_up.set()
        self._stream_generation = 0
        self._replaying = False
        self._tasks: list[asyncio.Task[Any]] = []
        self._sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
        self._time: Callable[[], float] = time.monotonic
        self._backoff_factory: Callable[[], ExponentialBackoff] = lambda: ExponentialBackoff(initial=1.0, maximum=30.0)
        for pair in self._trading_pairs:
            self._new_state(pair)
        data_source.add_stream_listener(self)

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
        """The pair's book is served: consistent, and not waiting for diffs that came out of order."""
        state = self._states.get(trading_pair)
        return state is not None and state.current

    def unavailable_reason(self, trading_pair: str) -> str | None:
        """Why the pair's book is not served now (``None`` while it is consistent)."""
        state = self._states.get(trading_pair)
        if state is None:
            return "not tracked"
        return None if state.current else state.reason

    def unavailable_books(self) -> dict[str, str]:
        """Books that were consistent and are not now, with the reason (what ``status_dict`` reports)."""
        return {
            pair: state.reason or "resyncing"
            for pair, state in self._states.items()
            if state.initialized and not state.current
        }

    @property
    def ready(self) -> bool:
        """Every tracked book is consistent now."""
        return self._ready_event.is_set()

    async def wait_ready(self) -> None:
        await self._ready_event.wait()

    @property
    def snapshot(self) -> dict[str, tuple[list[OrderBookRow], list[OrderBookRow]]]:
        """``(bids, asks)`` rows of every consistent book."""
        return {pair: book.snapshot for pair, book in self.consistent_order_books.items()}

    def integrity_stats(self, trading_pair: str) -> dict[str, int]:
        """Counters for one pair: resyncs started, gaps detected, diffs ignored (duplicates/older), buffered now,
        diffs put back in order by the reordering window, stream interruptions, and the milliseconds the book has
        been unavailable in total since it was first consistent."""
        state = self._states[trading_pair]
        return {
            "resyncs": state.resync_count,
            "gaps": state.gap_count,
            "ignored": state.ignored_count,
            "buffered": len(state.buffer),
            "reordered": state.reordered_count,
            "disconnects": state.disconnect_count,
            "unavailable_ms": round(state.unavailable_seconds(self._time()) * 1000),
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
        self._update_ready()

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        for state in self._states.values():
            state.cancel_resync()
            state.cancel_held_timer()
        self._ready_event.clear()

    async def add_trading_pair(self, trading_pair: str) -> bool:
        """Subscribe a new pair and start syncing its book; ``False`` (and nothing kept) if subscribing fails."""
        if trading_pair in self._states:
            return True
        state = self._new_state(trading_pair)
        self._trading_pairs.append(trading_pair)
        self._update_ready()
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

    def _new_state(self, trading_pair: str) -> PairState:
        book = self._data_source.order_book_create_function()
        book.is_consistent = False
        state = PairState(book, self.DIFF_BUFFER_SIZE, self.PAST_DIFF_WINDOW_SIZE)
        self._states[trading_pair] = state
        self._order_books[trading_pair] = book
        return state

    def _drop_state(self, trading_pair: str) -> None:
        state = self._states.pop(trading_pair, None)
        self._order_books.pop(trading_pair, None)
        if trading_pair in self._trading_pairs:
            self._trading_pairs.remove(trading_pair)
        if state is not None:
            state.cancel_resync()
            state.cancel_held_timer()
        self._update_ready()

    def _pair_of(self, state: PairState) -> str | None:
        return next((pair for pair, s in self._states.items() if s is state), None)

    def _update_ready(self) -> None:
        if self._states and all(state.current for state in self._states.values()):
            self._ready_event.set()
        else:
            self._ready_event.clear()

    # ------------------------------------------------------------------ message handling

    def apply_diff_message(self, message: OrderBookMessage) -> IntegrityVerdict | None:
        """Handle one DIFF synchronously; returns the verdict, ``None`` if buffered, held or for an unknown pair."""
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
            if self._keep_levels is not None:
                book.truncate(self._keep_levels)
            state.last_update_id = update_id
            state.first_after_snapshot = False
            state.window.append(message)
            if self._policy_verifies and not self._policy.verify(book, message):
                self._on_gap(state, message, "checksum mismatch")
            elif state.held:
                self._apply_held(state)
        elif verdict is GAP:
            if not self._hold(state, message):
                state.buffer.append(message)
                self._on_gap(state, message, "update id gap")
            return None
        else:
            state.ignored_count += 1
        return verdict

    def _hold(self, state: PairState, message: OrderBookMessage) -> bool:
        """Keep an early diff in the reordering window; False when the window is off, full or cannot run here."""
        if self._replaying or self.REORDER_WINDOW_SECONDS <= 0:
            return False  # a replay is sorted already: a gap in it is real
        held = state.held
        if message.update_id in held:
            state.ignored_count += 1  # the same early diff twice
            return True
        if len(held) >= self.REORDER_WINDOW_MESSAGES:
            return False
        if state.held_timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return False  # no event loop to time the window: treat the gap as real
            state.held_timer = loop.call_later(self.REORDER_WINDOW_SECONDS, self._held_expired, state)
        first = not held
        held[message.update_id] = message
        if first:
            wait = self.REORDER_WINDOW_SECONDS
            state.suspend(f"waiting up to {wait} s for diffs that came out of order", self._time())
            self._update_ready()
        return True

    def _apply_held(self, state: PairState) -> None:
        """Apply the held diffs that now follow the book, in update-id order; stop at the first that does not."""
        held = state.held
        while held and state.synced:
            update_id = min(held)
            message = held[update_id]
            verdict = self._check_diff(message, state.last_update_id, state.first_after_snapshot)
            if verdict is GAP:
                return
            del held[update_id]
            if not held:
                state.cancel_held_timer()
                state.resume(self._time())
                self._update_ready()
            if verdict is IGNORE:
                state.ignored_count += 1
                continue
            state.reordered_count += 1
            self.apply_diff_message(message)

    def _held_expired(self, state: PairState) -> None:
        state.held_timer = None
        if state.held and state.synced and self._pair_of(state) is not None:
            first = state.held[min(state.held)]
            self._on_gap(state, first, f"update id gap not filled within {self.REORDER_WINDOW_SECONDS} s")

    def apply_snapshot_message(self, message: OrderBookMessage) -> bool:
        """Replace a pair's book with ``message`` and replay newer buffered/recent diffs; True if consistent after."""
        state = self._states.get(message.trading_pair)
        if state is None:
            return False
        book = state.book
        snapshot_id = message.update_id
        candidates = set(state.buffer)
        candidates.update(state.window)
        candidates.update(state.release_held())
        replay = sorted(m for m in candidates if m.update_id > snapshot_id)
        state.buffer.clear()
        state.window.clear()
        book.apply_snapshot(message.raw_bids, message.raw_asks, snapshot_id)
        if self._keep_levels is not None:
            book.truncate(self._keep_levels)
        state.last_update_id = snapshot_id
        state.first_after_snapshot = True
        state.mark_available(self._time())
        if self._policy_verifies and not self._policy.verify(book, message):
            self._on_gap(state, message, "checksum mismatch after snapshot")
        self._replaying = True
        try:
            for diff in replay:
                self.apply_diff_message(diff)
        finally:
            self._replaying = False
        if state.synced:
            state.initialized = True
            state.await_first_diff = False
            state.synced_event.set()
        self._update_ready()
        return state.synced

    def _on_gap(self, state: PairState, message: OrderBookMessage, reason: str) -> None:
        resync_running = state.resync_task is not None and not state.resync_task.done()
        state.buffer.extend(state.release_held())
        state.mark_unavailable(f"{reason}; resyncing", self._time())
        state.window.clear()
        self._update_ready()
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

    # ------------------------------------------------------------------ stream interruptions

    def book_stream_interrupted(self, reason: str) -> None:
        """The data source lost the connection that carries the books: none of them is current any more."""
        self._stream_generation += 1
        self._stream_up.clear()
        now = self._time()
        for state in self._states.values():
            state.cancel_resync()
            state.release_held()
            state.buffer.clear()  # a snapshot taken after the reconnection supersedes all of it
            state.window.clear()
            state.first_diff_event.clear()
            state.await_first_diff = True
            if state.initialized:
                state.disconnect_count += 1
            state.mark_unavailable(f"public stream interrupted ({reason}); waiting for it to reconnect", now)
            self._ensure_resync(state)
        self._update_ready()
        if self._states:
            self.logger().warning(
                "The public order book stream was interrupted (%s): %s not served until resynced on the new "
                "connection.",
                reason,
                ", ".join(self._states),
            )

    def book_stream_resumed(self) -> None:
        """The data source subscribed a new connection: resyncs waiting for it go ahead."""
        self._stream_up.set()
        for state in self._states.values():
            if not state.synced:
                state.reason = "stream reconnected; resyncing"

    # ------------------------------------------------------------------ resync

    def _ensure_resync(self, state: PairState) -> None:
        if state.resync_task is None or state.resync_task.done():
            state.resync_task = asyncio.create_task(self._resync(state))

    async def _resync(self, state: PairState) -> None:
        """Fetch (REST) or request (websocket) snapshots until the pair is consistent again (one task per pair)."""
        pair = self._pair_of(state)
        if pair is None:
            return
        backoff = self._backoff_factory()
        while not state.synced and self._states.get(pair) is state:
            if not self._stream_up.is_set():
                await self._stream_up.wait()
            generation = self._stream_generation
            state.resync_count += 1
            try:
                if self._snapshot_source == "rest":
                    await self._rest_resync(state, pair, generation)
                else:
                    await self._websocket_resync(state, pair)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().network("Error getting the order book snapshot for %s; retrying.", pair, exc_info=True)
            if not state.synced and self._stream_generation == generation:
                await self._sleep(backoff.next_delay())
        if state.synced:
            self.logger().info("Order book for %s is in sync (update %s).", pair, state.last_update_id)

    async def _rest_resync(self, state: PairState, pair: str, generation: int) -> None:
        if state.await_first_diff and self._policy.detects_gaps:
            state.await_first_diff = False
            try:
                async with asyncio.timeout(self.FIRST_DIFF_WAIT_SECONDS):
                    await state.first_diff_event.wait()
            except TimeoutError:
                pass
        state.await_first_diff = False
        await self._wait_for_request_weight(state, pair)
        snapshot = await self._data_source._order_book_snapshot(pair)
        if self._states.get(pair) is not state or self._stream_generation != generation:
            return  # the pair is gone, or the stream dropped while the snapshot was on its way: start over
        self.apply_snapshot_message(snapshot)

    async def _websocket_resync(self, state: PairState, pair: str) -> None:
        if state.await_first_diff:
            # A fresh subscription pushes its own snapshot: wait for it before asking for another one.
            state.await_first_diff = False
            if await self._wait_synced(state):
                return
        if await self._data_source.request_websocket_snapshot(pair):
            await self._wait_synced(state)

    async def _wait_synced(self, state: PairState) -> bool:
        try:
            async with asyncio.timeout(self.WEBSOCKET_SNAPSHOT_WAIT_SECONDS):
                await state.synced_event.wait()
        except TimeoutError:
            return False
        return True

    async def _wait_for_request_weight(self, state: PairState, pair: str) -> None:
        """Wait, outside the throttler's queue, until the snapshot request fits the rate budget with a reserve."""
        told = False
        while True:
            wait = self._data_source.snapshot_request_wait(self.RESYNC_WEIGHT_RESERVE)
            if wait <= 0:
                return
            previous = state.reason
            state.reason = f"waiting {wait:.1f} s for request weight to fetch a snapshot"
            if not told:
                told = True
                self.logger().warning(
                    "Order book for %s is unavailable (%s): the resync waits %.1f s for the rate budget, leaving "
                    "%d%% of it to other requests.",
                    pair,
                    previous,
                    wait,
                    round(self.RESYNC_WEIGHT_RESERVE * 100),
                )
            await self._sleep(wait)

    # ------------------------------------------------------------------ trades and last prices

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
