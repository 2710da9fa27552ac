"""Order book messages: snapshots, diffs and trades, as parsed from an exchange's feed.

Differences from Hummingbot, on purpose:

* Hummingbot's ``__hash__`` raises ``TypeError`` and its ``__lt__`` says every book message is smaller than every
  other one. Here equality, hashing and ordering all use one key, so they form a real total order consistent with
  ``==``: book messages (snapshots and diffs) sort before trades; book messages by ``update_id``, then type
  (a snapshot before a diff with the same id); trades by ``trade_id``; finally by trading pair. The timestamp is
  deliberately *not* part of the key: two deliveries of the same update are equal even if stamped differently.
* The class uses ``__slots__``; ``update_id`` and friends are read from ``content`` once at construction, and the
  ``OrderBookRow`` lists behind ``bids``/``asks`` are only built when first asked for. The tracker applies
  ``raw_bids``/``raw_asks`` (the exchange's ``[price, amount, ...]`` rows) directly, without building rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from hbrt.data_type.order_book_row import OrderBookRow, to_decimal


class OrderBookMessageType(Enum):
    SNAPSHOT = 1
    DIFF = 2
    TRADE = 3


_SNAPSHOT = OrderBookMessageType.SNAPSHOT
_DIFF = OrderBookMessageType.DIFF
_TRADE = OrderBookMessageType.TRADE
_EMPTY: tuple[Any, ...] = ()


class OrderBookMessage:
    """One snapshot, diff or trade.

    ``content`` keys by convention: ``trading_pair`` (``BASE-QUOTE``); for snapshots and diffs ``update_id``,
    ``bids``/``asks`` (lists of ``[price, amount, ...]``), optionally ``first_update_id`` (diffs), ``prev_update_id``
    and ``checksum``; for trades ``trade_id``, ``trade_type`` (``float(TradeType.X.value)``), ``price``, ``amount``.
    """

    __slots__ = (
        "type",
        "content",
        "timestamp",
        "update_id",
        "first_update_id",
        "trade_id",
        "trading_pair",
        "_bids",
        "_asks",
    )

    type: OrderBookMessageType
    content: dict[str, Any]
    timestamp: float
    update_id: int
    first_update_id: int
    trade_id: Any
    trading_pair: str

    def __init__(self, message_type: OrderBookMessageType, content: dict[str, Any], timestamp: float) -> None:
        self.type = message_type
        self.content = content
        self.timestamp = timestamp
        self.trading_pair = content.get("trading_pair", "")
        if message_type is _TRADE:
            self.update_id = -1
            self.first_update_id = -1
            self.trade_id = content.get("trade_id", -1)
        else:
            update_id = content.get("update_id", -1)
            self.update_id = update_id
            self.first_update_id = content.get("first_update_id", update_id) if message_type is _DIFF else update_id
            self.trade_id = -1
        self._bids: list[OrderBookRow] | None = None
        self._asks: list[OrderBookRow] | None = None

    # ------------------------------------------------------------------ derived fields

    @property
    def prev_update_id(self) -> int | None:
        """Id of the update this diff follows (``pu`` on Binance futures); ``None`` when the exchange sends none."""
        return self.content.get("prev_update_id")

    @property
    def checksum(self) -> int | None:
        """The exchange's checksum of the book after this message, ``None`` when absent."""
        return self.content.get("checksum")

    @property
    def has_update_id(self) -> bool:
        return self.type is not _TRADE and self.update_id >= 0

    @property
    def has_trade_id(self) -> bool:
        return self.type is _TRADE and self.trade_id != -1

    @property
    def raw_bids(self) -> Sequence[Sequence[Any]]:
        """The bid rows exactly as in ``content`` (not converted)."""
        rows: Sequence[Sequence[Any]] = self.content.get("bids", _EMPTY)
        return rows

    @property
    def raw_asks(self) -> Sequence[Sequence[Any]]:
        """The ask rows exactly as in ``content`` (not converted)."""
        rows: Sequence[Sequence[Any]] = self.content.get("asks", _EMPTY)
        return rows

    @property
    def bids(self) -> list[OrderBookRow]:
        """Bid rows as :class:`OrderBookRow` (Decimal), each stamped with this message's update id. Built lazily."""
        rows = self._bids
        if rows is None:
            uid = self.update_id
            rows = self._bids = [OrderBookRow(to_decimal(r[0]), to_decimal(r[1]), uid) for r in self.raw_bids]
        return rows

    @property
    def asks(self) -> list[OrderBookRow]:
        """Ask rows as :class:`OrderBookRow` (Decimal), each stamped with this message's update id. Built lazily."""
        rows = self._asks
        if rows is None:
            uid = self.update_id
            rows = self._asks = [OrderBookRow(to_decimal(r[0]), to_decimal(r[1]), uid) for r in self.raw_asks]
        return rows

    # ------------------------------------------------------------------ identity and ordering

    def _key(self) -> tuple[Any, ...]:
        if self.type is _TRADE:
            return (1, self.trade_id, 3, self.trading_pair)
        return (0, self.update_id, self.type.value, self.trading_pair)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrderBookMessage):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: OrderBookMessage) -> bool:
        if not isinstance(other, OrderBookMessage):
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: OrderBookMessage) -> bool:
        if not isinstance(other, OrderBookMessage):
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: OrderBookMessage) -> bool:
        if not isinstance(other, OrderBookMessage):
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: OrderBookMessage) -> bool:
        if not isinstance(other, OrderBookMessage):
            return NotImplemented
        return self._key() >= other._key()

    def __repr__(self) -> str:
        return (
            f"OrderBookMessage(type={self.type.name}, trading_pair={self.trading_pair!r}, "
            f"update_id={self.update_id}, trade_id={self.trade_id!r}, timestamp={self.timestamp})"
        )
