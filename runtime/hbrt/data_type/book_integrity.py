"""Declarative order-book integrity policies.

A connector's order-book data source names one policy in its class attribute ``BOOK_INTEGRITY``; the
:class:`~hbrt.data_type.order_book_tracker.OrderBookTracker` enforces it for every diff (and, for checksums, after
every applied snapshot or diff). A policy only *judges* a message; the tracker acts on the verdict:

* ``APPLY``  -- apply the diff to the book;
* ``IGNORE`` -- drop it silently (a duplicate, or an update older than what the book already holds);
* ``GAP``    -- updates were lost: log once, mark the book inconsistent, resync from a fresh snapshot.

See ``docs/book-integrity.md`` for which exchange uses which policy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

from hbrt.data_type.book_checksum import ChecksumContext

if TYPE_CHECKING:
    from hbrt.data_type.order_book import OrderBook
    from hbrt.data_type.order_book_message import OrderBookMessage


class IntegrityVerdict(Enum):
    APPLY = 1
    IGNORE = 2
    GAP = 3


APPLY = IntegrityVerdict.APPLY
IGNORE = IntegrityVerdict.IGNORE
GAP = IntegrityVerdict.GAP
Verdict = IntegrityVerdict


class BookIntegrityPolicy(ABC):
    """Decides, for each diff, whether it continues the book the tracker holds."""

    #: Whether the policy can notice lost updates at all (``NoIntegrity`` cannot).
    detects_gaps: bool = True

    @abstractmethod
    def check_diff(self, message: OrderBookMessage, last_update_id: int, first_after_snapshot: bool) -> Verdict:
        """Judge ``message`` given the update id the book is at and whether it is the first diff after a snapshot."""

    def verify(self, book: OrderBook, message: OrderBookMessage) -> bool:
        """Check the book right after ``message`` (snapshot or diff) was applied; ``False`` means resync."""
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class FirstLastUpdateIdChain(BookIntegrityPolicy):
    """Each diff carries the first and last update id it covers (``U``/``u`` on Binance spot, Gate).

    * ``update_id <= last`` -> IGNORE (duplicate or already contained in the snapshot);
    * first diff after a snapshot with id ``S``: must straddle ``S + 1`` (``first_update_id <= S + 1 <= update_id``);
    * afterwards: ``first_update_id == last + 1``; anything else is a GAP.
    """

    def check_diff(self, message: OrderBookMessage, last_update_id: int, first_after_snapshot: bool) -> Verdict:
        if message.update_id <= last_update_id:
            return IGNORE
        if first_after_snapshot:
            return APPLY if message.first_update_id <= last_update_id + 1 else GAP
        return APPLY if message.first_update_id == last_update_id + 1 else GAP


class PrevUpdateIdChain(BookIntegrityPolicy):
    """Each diff names the update it follows (``pu`` on Binance USD-M futures).

    * ``update_id <= last`` -> IGNORE;
    * first diff after a snapshot with id ``S``: ``prev_update_id <= S < update_id`` (it straddles the snapshot);
    * afterwards: ``prev_update_id == last``; anything else (including a missing ``prev_update_id``) is a GAP.
    """

    def check_diff(self, message: OrderBookMessage, last_update_id: int, first_after_snapshot: bool) -> Verdict:
        if message.update_id <= last_update_id:
            return IGNORE
        prev = message.prev_update_id
        if prev is None:
            return GAP
        if first_after_snapshot:
            return APPLY if prev <= last_update_id else GAP
        return APPLY if prev == last_update_id else GAP


class StrictlyIncreasingSequence(BookIntegrityPolicy):
    """Each message carries a sequence number in ``update_id`` (Coinbase, KuCoin-style sequences).

    * ``update_id <= last`` -> IGNORE;
    * with ``contiguous=True`` (default) the next diff must be exactly ``last + 1``, else GAP;
    * with ``contiguous=False`` any larger id is accepted (order is enforced, gaps cannot be seen).
    """

    def __init__(self, contiguous: bool = True) -> None:
        self.contiguous = contiguous
        self.detects_gaps = contiguous

    def check_diff(self, message: OrderBookMessage, last_update_id: int, first_after_snapshot: bool) -> Verdict:
        if message.update_id <= last_update_id:
            return IGNORE
        if self.contiguous and message.update_id != last_update_id + 1:
            return GAP
        return APPLY

    def __repr__(self) -> str:
        return f"StrictlyIncreasingSequence(contiguous={self.contiguous})"


class NoIntegrity(BookIntegrityPolicy):
    """Timestamps (or ids) only (Bitstamp): updates older than the book are dropped, nothing else can be checked.

    An equal id is applied again: diffs carry absolute amounts, so a repeated diff is harmless. Lost updates go
    unnoticed until the next periodic full snapshot.
    """

    detects_gaps = False

    def check_diff(self, message: OrderBookMessage, last_update_id: int, first_after_snapshot: bool) -> Verdict:
        return IGNORE if message.update_id < last_update_id else APPLY


class Checksum(BookIntegrityPolicy):
    """The exchange sends a checksum of its top ``top_levels`` levels with each message (OKX, Kraken).

    ``fn(book, context)`` computes the checksum of the local book -- normally from
    ``book.raw_top_levels(top_levels)``, which returns the rows exactly as the exchange sent them; a built-in one is
    :class:`hbrt.data_type.book_checksum.Crc32Checksum` -- and is compared with ``message.checksum`` after every
    applied snapshot or diff that carries one. ``context`` is a :class:`~hbrt.data_type.book_checksum.ChecksumContext`:
    the message's pair and the ``price_decimals``/``size_decimals`` its content carries (a data source puts them
    there when the checksum formats numbers with the pair's precision). Both sides are compared as unsigned 32-bit
    values, so a signed CRC32 (OKX) and an unsigned one (Kraken) both work. Ordering is delegated to ``sequence``
    (default :class:`NoIntegrity`; OKX uses ``Checksum(25, fn, sequence=PrevUpdateIdChain())``). A mismatch is a GAP.
    A message whose checksum is ``unpublished`` (a value meaning the exchange computed none) is not checked.
    """

    def __init__(
        self,
        top_levels: int,
        fn: Callable[[OrderBook, ChecksumContext], int],
        sequence: BookIntegrityPolicy | None = None,
        unpublished: int | None = None,
    ) -> None:
        self.top_levels = top_levels
        self.fn = fn
        self.sequence: BookIntegrityPolicy = sequence if sequence is not None else NoIntegrity()
        self.unpublished = unpublished

    def check_diff(self, message: OrderBookMessage, last_update_id: int, first_after_snapshot: bool) -> Verdict:
        return self.sequence.check_diff(message, last_update_id, first_after_snapshot)

    def verify(self, book: OrderBook, message: OrderBookMessage) -> bool:
        expected = message.checksum
        if expected is None or expected == self.unpublished:
            return True
        content = message.content
        context = ChecksumContext(message.trading_pair, content.get("price_decimals"), content.get("size_decimals"))
        return (self.fn(book, context) & 0xFFFFFFFF) == (int(expected) & 0xFFFFFFFF)

    def __repr__(self) -> str:
        return f"Checksum(top_levels={self.top_levels}, sequence={self.sequence!r})"
