"""The per-pair sync state behind :class:`~hbrt.data_type.order_book_tracker.OrderBookTracker` (internal).

One :class:`PairState` per tracked pair holds the book, where its update ids stand, the diffs buffered while it has
no consistent snapshot, the recently applied diffs (replayed on top of an older periodic snapshot), the diffs *held*
in the reordering window, the resync task, the counters, and why the book is unavailable when it is (and for how
long it has been, in total). :class:`ApplyingQueue` is the queue the tracker hands its data source.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from hbrt.data_type.order_book import OrderBook
from hbrt.data_type.order_book_message import OrderBookMessage
from hbrt.logger import get_logger


class ApplyingQueue(asyncio.Queue[OrderBookMessage]):
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
            get_logger("hbrt.data_type.order_book_tracker").exception(
                "Unexpected error applying an order book %s: %r", self._kind, item
            )

    async def put(self, item: OrderBookMessage) -> None:
        self.put_nowait(item)


class PairState:
    """Sync state of one pair's book (see the module docstring)."""

    __slots__ = (
        "book",
        "last_update_id",
        "first_after_snapshot",
        "synced",
        "initialized",
        "buffer",
        "window",
        "held",
        "held_timer",
        "synced_event",
        "first_diff_event",
        "await_first_diff",
        "resync_task",
        "resync_count",
        "gap_count",
        "ignored_count",
        "reordered_count",
        "disconnect_count",
        "reason",
        "unavailable_since",
        "unavailable_total",
    )

    def __init__(self, book: OrderBook, buffer_size: int, window_size: int) -> None:
        self.book = book
        self.last_update_id = -1
        self.first_after_snapshot = True
        self.synced = False
        self.initialized = False
        self.buffer: deque[OrderBookMessage] = deque(maxlen=buffer_size)
        self.window: deque[OrderBookMessage] = deque(maxlen=window_size)
        # Diffs that came before the ones they follow, by update id, waiting (briefly) for the missing ones.
        self.held: dict[int, OrderBookMessage] = {}
        self.held_timer: asyncio.TimerHandle | None = None
        self.synced_event = asyncio.Event()
        self.first_diff_event = asyncio.Event()
        # A REST resync first waits (briefly) for a diff of the current stream, so the snapshot is newer than the
        # start of the buffer: true before the first snapshot and after every interruption of the stream.
        self.await_first_diff = True
        self.resync_task: asyncio.Task[None] | None = None
        self.resync_count = 0
        self.gap_count = 0
        self.ignored_count = 0
        self.reordered_count = 0
        self.disconnect_count = 0
        self.reason: str | None = "waiting for the first snapshot"
        self.unavailable_since: float | None = None  # since when a book that was consistent is not (monotonic s)
        self.unavailable_total = 0.0

    # ------------------------------------------------------------------ availability

    def mark_unavailable(self, reason: str, now: float) -> None:
        """The book must not be served: every query raises until :meth:`mark_available`."""
        self.synced = False
        self.synced_event.clear()
        self.book.is_consistent = False
        self.reason = reason
        if self.initialized and self.unavailable_since is None:
            self.unavailable_since = now

    def mark_available(self, now: float) -> None:
        self.synced = True
        self.book.is_consistent = True
        self.reason = None
        if self.unavailable_since is not None:
            self.unavailable_total += now - self.unavailable_since
            self.unavailable_since = None

    def suspend(self, reason: str, now: float) -> None:
        """Diffs are held in the reordering window: the book is behind the stream, so it is not served, but its sync
        goes on (diffs are still checked and applied) and no snapshot is needed if the missing ones arrive."""
        self.synced_event.clear()
        self.book.is_consistent = False
        self.reason = reason
        if self.initialized and self.unavailable_since is None:
            self.unavailable_since = now

    def resume(self, now: float) -> None:
        """The held diffs are all applied: the book is current again."""
        self.mark_available(now)
        self.synced_event.set()

    @property
    def current(self) -> bool:
        """Consistent and not behind the stream: the book is served."""
        return self.synced and not self.held

    def unavailable_seconds(self, now: float) -> float:
        """Total time this book was unavailable after it first became consistent, the current stretch included."""
        current = now - self.unavailable_since if self.unavailable_since is not None else 0.0
        return self.unavailable_total + current

    # ------------------------------------------------------------------ the reordering window

    def release_held(self) -> list[OrderBookMessage]:
        """Stop waiting: the held diffs in update-id order (they join the buffer when a resync follows)."""
        held = [self.held[update_id] for update_id in sorted(self.held)]
        self.held.clear()
        self.cancel_held_timer()
        return held

    def cancel_held_timer(self) -> None:
        if self.held_timer is not None:
            self.held_timer.cancel()
            self.held_timer = None

    def cancel_resync(self) -> None:
        if self.resync_task is not None:
            self.resync_task.cancel()
            self.resync_task = None
