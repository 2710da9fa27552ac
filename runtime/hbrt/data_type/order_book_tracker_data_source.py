"""The public market-data side of a connector: websocket subscriptions, parsing hooks and REST snapshots.

A connector subclasses :class:`OrderBookTrackerDataSource` and supplies the exchange-specific hooks (Hummingbot's
names): ``_connected_websocket_assistant``, ``_subscribe_channels`` (or just ``_subscription_requests``),
``_channel_originating_message``, ``_parse_trade_message``, ``_parse_order_book_diff_message``,
``_parse_order_book_snapshot_message``, ``_order_book_snapshot`` and ``get_last_traded_prices``. It also *declares*:

* ``BOOK_INTEGRITY`` -- the :mod:`~hbrt.data_type.book_integrity` policy the tracker enforces;
* ``SNAPSHOT_SOURCE`` -- ``"rest"`` (REST snapshot merged with buffered websocket diffs) or ``"websocket"``
  (the exchange pushes snapshots on the websocket; a resync resubscribes the pair);
* ``BOOK_KEEP_LEVELS`` -- levels per side a book keeps after every message (None: all; Kraken's fixed-depth book);
* ``HEARTBEAT_INTERVAL`` -- seconds between heartbeats while connected, ``None`` for none. What is sent comes from
  ``_heartbeat_request()``: ``None`` (the default) sends a protocol ping frame, a ``WSRequest`` is sent as is.
  ``_heartbeat_interval()`` may replace the interval per connection (a server that assigns it, as KuCoin does);
* ``AWAIT_READY`` -- the server greets each connection (``_is_ready(message)`` recognises the greeting) and
  nothing is sent before the greeting arrives, within ``READY_TIMEOUT`` seconds;
* ``MESSAGE_TIMEOUT`` -- seconds of silence after which the connection is considered dead and re-established
  (``None`` disables it);
* ``WS_CONNECTIONS`` -- names of several public connections, when the exchange spreads its channels over more than
  one (Binance USD-M: depth streams on one host path, trades and mark prices on another). Empty by default: one
  connection, made by ``_connected_websocket_assistant``. With names, each connection keeps its own reconnect loop
  and backoff, and the connector implements ``_connected_websocket_assistant_on(name)``,
  ``_subscription_requests_on(name, pairs)`` and ``_unsubscription_requests_on(name, pairs)``.

``_connection_deadline()`` may give a time at which the connection is renewed (a REST-minted token's lifetime):
the socket is closed then, and the loop reconnects with a fresh session (:mod:`hbrt.web_assistant.upkeep`).

Differences from Hummingbot: reconnects use exponential backoff (also after a clean close or silence); a failed
REST snapshot for one pair does not abort the periodic snapshot round for the others.

No queue hop on the hot path. Hummingbot puts every websocket message on a per-channel queue and a consumer task
parses it into the tracker's queue, where a router task applies it: two hand-offs and task switches per message that
buy neither ordering nor back-pressure. Here, while a consumer (``listen_for_order_book_diffs``, ``listen_for_trades``,
``listen_for_order_book_snapshots`` or any ``_consume`` user) runs for a channel, the websocket reader calls that
channel's parser itself, in arrival order, and the parser's output is the tracker's applying queue. The per-channel
queues stay (code and tests may put raw messages on them; the consumer drains them): while one holds messages, or its
consumer is still parsing one, the reader queues behind them, so messages of a channel are never reordered. Reading
the next frame waits until the previous one is applied, which is the back-pressure a slow consumer needs (aiohttp
then stops reading the socket).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from hbrt.data_type.book_integrity import BookIntegrityPolicy, NoIntegrity
from hbrt.data_type.order_book import OrderBook
from hbrt.data_type.order_book_message import OrderBookMessage
from hbrt.logger import HummingbotLogger, get_logger
from hbrt.web_assistant.reconnect import ExponentialBackoff
from hbrt.web_assistant.upkeep import keep_connection, wait_until_ready

_INF = float("inf")

if TYPE_CHECKING:
    from hbrt.web_assistant.connections.data_types import WSRequest
    from hbrt.web_assistant.ws_assistant import WSAssistant


class BookStreamListener(Protocol):
    """Told when the public stream that carries order book data stops and when it is subscribed again."""

    def book_stream_interrupted(self, reason: str) -> None:
        """The connection dropped (``reason`` says how): books fed by it are no longer current."""

    def book_stream_resumed(self) -> None:
        """A new connection is subscribed: book data flows again (books still need a consistent resync)."""


@runtime_checkable
class RateBudget(Protocol):
    """What a resync asks a throttler: how long until a call would pass at once (``AsyncThrottler`` has it)."""

    def time_until_available(self, limit_id: str, reserve: float = 0.0) -> float: ...


class _Route:
    """A running consumer of one channel: its parser, where parsed messages go, and whether it is busy."""

    __slots__ = ("queue", "parser", "output", "kind", "busy")

    def __init__(
        self,
        queue: asyncio.Queue[Any],
        parser: Callable[[Any, asyncio.Queue[Any]], Awaitable[None]],
        output: asyncio.Queue[Any],
        kind: str,
    ) -> None:
        self.queue = queue  # the channel's queue of raw messages
        self.parser = parser
        self.output = output
        self.kind = kind
        self.busy = False  # parsing a message taken from the channel's queue


class OrderBookTrackerDataSource:
    """Base class of a connector's order-book data source (see the module docstring for the contract)."""

    BOOK_INTEGRITY: ClassVar[BookIntegrityPolicy] = NoIntegrity()
    SNAPSHOT_SOURCE: ClassVar[Literal["rest", "websocket"]] = "rest"
    #: Levels per side a book keeps after every message (None: all). For exchanges that publish a book of a fixed
    #: depth and send no delete for a level falling below it (Kraken), so the deeper levels are stale.
    BOOK_KEEP_LEVELS: ClassVar[int | None] = None
    HEARTBEAT_INTERVAL: ClassVar[float | None] = None
    MESSAGE_TIMEOUT: ClassVar[float | None] = None
    AWAIT_READY: ClassVar[bool] = False
    READY_TIMEOUT: ClassVar[float] = 10.0
    WS_CONNECTIONS: ClassVar[tuple[str, ...]] = ()
    FULL_ORDER_BOOK_RESET_DELTA_SECONDS: float = 60 * 60

    _logger: HummingbotLogger | None = None

    def __init__(self, trading_pairs: list[str]) -> None:
        self._trading_pairs: list[str] = list(trading_pairs)
        self._order_book_create_function: Callable[[], OrderBook] = OrderBook
        self._trade_messages_queue_key: Any = "trade"
        self._diff_messages_queue_key: Any = "order_book_diff"
        self._snapshot_messages_queue_key: Any = "order_book_snapshot"
        self._message_queue: defaultdict[Any, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self._routes: dict[Any, _Route] = {}  # channel key -> its running consumer (see the module docstring)
        self._stream_listeners: list[BookStreamListener] = []
        # Connections that have carried book messages (None: the default connection, which always counts), and
        # those of them that are down now.
        self._book_connections: set[str | None] = {None}
        self._book_connections_down: set[str | None] = set()
        self._last_websocket_snapshot = 0.0  # loop time of the last websocket snapshot message parsed
        self._ws_assistant: WSAssistant | None = None
        self._reconnect_backoff = ExponentialBackoff(initial=1.0, maximum=30.0)
        # The live connection of each named connection (WS_CONNECTIONS), and its own reconnect backoff.
        self._ws_assistants_on: dict[str, WSAssistant] = {}
        self._reconnect_backoffs_on: dict[str, ExponentialBackoff] = {
            name: ExponentialBackoff(initial=1.0, maximum=30.0) for name in self.WS_CONNECTIONS
        }

    @classmethod
    def logger(cls) -> HummingbotLogger:
        if cls._logger is None:
            cls._logger = get_logger(__name__)
        return cls._logger

    async def _sleep(self, delay: float) -> None:
        """``asyncio.sleep``; a test seam patchable on the class, as in Hummingbot (every wait of the reconnect and
        heartbeat loops goes through it)."""
        await asyncio.sleep(delay)

    def _time(self) -> float:
        """The wall clock in seconds; a test seam patchable on the class, as in Hummingbot."""
        return time.time()

    # ------------------------------------------------------------------ pairs and REST

    @property
    def trading_pairs(self) -> list[str]:
        return list(self._trading_pairs)

    @property
    def order_book_create_function(self) -> Callable[[], OrderBook]:
        return self._order_book_create_function

    @order_book_create_function.setter
    def order_book_create_function(self, func: Callable[[], OrderBook]) -> None:
        self._order_book_create_function = func

    def add_trading_pair(self, trading_pair: str) -> None:
        if trading_pair not in self._trading_pairs:
            self._trading_pairs.append(trading_pair)

    def remove_trading_pair(self, trading_pair: str) -> None:
        if trading_pair in self._trading_pairs:
            self._trading_pairs.remove(trading_pair)

    async def get_last_traded_prices(self, trading_pairs: list[str], domain: str | None = None) -> dict[str, float]:
        """Last traded price per pair, usually from a REST ticker. Connectors implement this."""
        raise NotImplementedError

    async def _order_book_snapshot(self, trading_pair: str) -> OrderBookMessage:
        """A SNAPSHOT message for ``trading_pair`` fetched over REST. Connectors implement this."""
        raise NotImplementedError

    async def get_new_order_book(self, trading_pair: str) -> OrderBook:
        """A new book filled from a fresh snapshot."""
        snapshot = await self._order_book_snapshot(trading_pair)
        book = self.order_book_create_function()
        book.apply_snapshot(snapshot.raw_bids, snapshot.raw_asks, snapshot.update_id)
        return book

    # ------------------------------------------------------------------ websocket hooks

    async def _connected_websocket_assistant(self) -> WSAssistant:
        """A connected ``WSAssistant``. Connectors implement this."""
        raise NotImplementedError

    def _subscription_requests(self, trading_pairs: list[str]) -> list[WSRequest]:
        """The requests that subscribe ``trading_pairs`` to every channel the connector needs."""
        raise NotImplementedError

    def _unsubscription_requests(self, trading_pairs: list[str]) -> list[WSRequest]:
        """The requests that undo :meth:`_subscription_requests` for ``trading_pairs``."""
        raise NotImplementedError

    async def _subscribe_channels(self, ws: WSAssistant) -> None:
        """Subscribe every tracked pair; by default sends :meth:`_subscription_requests`."""
        for request in self._subscription_requests(self._trading_pairs):
            await ws.send(request)
        self.logger().info("Subscribed to public order book and trade channels...")

    def _channel_originating_message(self, event_message: dict[str, Any]) -> Any:
        """The queue key the raw message belongs to; anything else counts as an unknown channel."""
        raise NotImplementedError

    async def _parse_trade_message(self, raw_message: dict[str, Any], message_queue: asyncio.Queue[Any]) -> None:
        raise NotImplementedError

    async def _parse_order_book_diff_message(
        self, raw_message: dict[str, Any], message_queue: asyncio.Queue[Any]
    ) -> None:
        raise NotImplementedError

    async def _parse_order_book_snapshot_message(
        self, raw_message: dict[str, Any], message_queue: asyncio.Queue[Any]
    ) -> None:
        raise NotImplementedError

    async def _process_message_for_unknown_channel(self, event_message: Any, websocket_assistant: WSAssistant) -> None:
        """Acks, pongs and the like; ignored by default."""

    def _heartbeat_request(self) -> WSRequest | None:
        """What to send every ``HEARTBEAT_INTERVAL`` seconds: ``None`` = a protocol ping frame."""
        return None

    def _heartbeat_interval(self) -> float | None:
        """Seconds between heartbeats on the current connection (default ``HEARTBEAT_INTERVAL``)."""
        return self.HEARTBEAT_INTERVAL

    def _is_ready(self, message: Any) -> bool:
        """Whether ``message`` is the server's greeting (read only when ``AWAIT_READY``)."""
        return True

    def _connection_deadline(self) -> float | None:
        """When the current connection must be renewed (wall-clock seconds), or None."""
        return None

    def _get_messages_queue_keys(self) -> tuple[Any, ...]:
        return (self._snapshot_messages_queue_key, self._diff_messages_queue_key, self._trade_messages_queue_key)

    async def _on_order_stream_interruption(self, websocket_assistant: WSAssistant | None = None) -> None:
        if websocket_assistant is not None:
            await websocket_assistant.disconnect()

    # ------------------------------------------------------------------ the websocket loop

    async def listen_for_subscriptions(self) -> None:
        """Connect, subscribe and route messages forever; reconnect with backoff after errors, closes or silence.

        With ``WS_CONNECTIONS``, every named connection runs this loop of its own, side by side.
        """
        if not self.WS_CONNECTIONS:
            await self._maintain_connection(None)
        else:
            await asyncio.gather(*(self._maintain_connection(name) for name in self.WS_CONNECTIONS))

    async def _maintain_connection(self, connection: str | None) -> None:
        """The reconnect loop of one connection: the default one (``None``) or a named one.

        When a subscribed connection that carries book data ends, for whatever reason, the stream listeners (the
        tracker) hear it at once, before the reconnect wait; when a new connection is subscribed, they hear that too.
        """
        backoff = self._reconnect_backoff if connection is None else self._reconnect_backoffs_on[connection]
        what = "order book websocket" if connection is None else f"{connection} websocket"
        while True:
            ws: WSAssistant | None = None
            heartbeat: asyncio.Task[None] | None = None
            subscribed = False
            reason = "the connection ended"
            try:
                if connection is None:
                    ws = await self._connected_websocket_assistant()
                else:
                    ws = await self._connected_websocket_assistant_on(connection)
                if self.AWAIT_READY:
                    await wait_until_ready(ws, self._is_ready, self.READY_TIMEOUT)
                if connection is None:
                    self._ws_assistant = ws
                    await self._subscribe_channels(ws)
                else:
                    self._ws_assistants_on[connection] = ws
                    await self._subscribe_channels_on(connection, ws)
                subscribed = True
                self._book_stream_resumed(connection)
                interval = self._heartbeat_interval()
                if interval or self._connection_deadline() is not None:
                    heartbeat = asyncio.create_task(self._heartbeat_loop(ws, interval))
                await self._process_websocket_messages(ws, backoff, connection)
                reason = "the server closed the connection"
                self.logger().warning("The %s closed. Reconnecting...", what)
            except asyncio.CancelledError:
                subscribed = False  # stopped on purpose (the tracker stops too): nothing to tell
                raise
            except TimeoutError:
                reason = f"no message for {self.MESSAGE_TIMEOUT} s"
                self.logger().warning("No message on the %s for %s s. Reconnecting...", what, self.MESSAGE_TIMEOUT)
            except ConnectionError as exc:
                reason = f"connection lost ({exc})"
                self.logger().warning("The %s connection was lost (%s). Reconnecting...", what, exc)
            except Exception as exc:
                reason = f"unexpected error ({exc!r})"
                self.logger().exception("Unexpected error in the %s loop. Reconnecting...", what)
            finally:
                if subscribed:
                    self._book_stream_interrupted(connection, reason)
                if heartbeat is not None:
                    heartbeat.cancel()
                if connection is None:
                    self._ws_assistant = None
                else:
                    self._ws_assistants_on.pop(connection, None)
                await self._on_order_stream_interruption(ws)
            await self._sleep(backoff.next_delay())

    # ------------------------------------------------------------------ stream state, for the tracker

    def add_stream_listener(self, listener: BookStreamListener) -> None:
        """Tell ``listener`` when the book stream is interrupted and resumed (the tracker registers itself)."""
        if listener not in self._stream_listeners:
            self._stream_listeners.append(listener)

    def remove_stream_listener(self, listener: BookStreamListener) -> None:
        if listener in self._stream_listeners:
            self._stream_listeners.remove(listener)

    def _book_stream_interrupted(self, connection: str | None, reason: str) -> None:
        if connection not in self._book_connections:
            return  # a named connection that never carried book data (trades, funding): books are unaffected
        self._book_connections_down.add(connection)
        for listener in list(self._stream_listeners):
            listener.book_stream_interrupted(reason)

    def _book_stream_resumed(self, connection: str | None) -> None:
        if connection not in self._book_connections_down:
            return
        self._book_connections_down.discard(connection)
        if not self._book_connections_down:
            for listener in list(self._stream_listeners):
                listener.book_stream_resumed()

    def _snapshot_budget(self) -> tuple[object, str] | None:
        """The throttler and the limit id of the REST snapshot request, or None when unknown.

        With them a resync waits for the snapshot's weight *outside* the throttler's queue
        (:meth:`snapshot_request_wait`), so it never holds up other requests. Generated connectors return their
        factory's throttler and the snapshot endpoint's limit id.
        """
        return None

    def snapshot_request_wait(self, reserve: float = 0.0) -> float:
        """Seconds until a REST snapshot request would pass the throttler at once, keeping ``reserve`` (a fraction
        of each pool it draws from) free for other requests; 0.0 when now or when the budget is unknown."""
        budget = self._snapshot_budget()
        if budget is None:
            return 0.0
        throttler, limit_id = budget
        if not isinstance(throttler, RateBudget):
            return 0.0
        return throttler.time_until_available(limit_id, reserve)

    async def _connected_websocket_assistant_on(self, connection: str) -> WSAssistant:
        """A connected ``WSAssistant`` for the named connection (``WS_CONNECTIONS``). Connectors implement this."""
        raise NotImplementedError

    def _subscription_requests_on(self, connection: str, trading_pairs: list[str]) -> list[WSRequest]:
        """The requests that subscribe ``trading_pairs`` to the channels of the named connection."""
        raise NotImplementedError

    def _unsubscription_requests_on(self, connection: str, trading_pairs: list[str]) -> list[WSRequest]:
        """The requests that undo :meth:`_subscription_requests_on`."""
        raise NotImplementedError

    async def _subscribe_channels_on(self, connection: str, ws: WSAssistant) -> None:
        """Subscribe every tracked pair on the named connection; by default sends :meth:`_subscription_requests_on`."""
        for request in self._subscription_requests_on(connection, self._trading_pairs):
            await ws.send(request)
        self.logger().info("Subscribed to the public channels of the %s connection...", connection)

    async def _process_websocket_messages(
        self,
        websocket_assistant: WSAssistant,
        backoff: ExponentialBackoff | None = None,
        connection: str | None = None,
    ) -> None:
        """Parse (or queue) every message by channel until the connection ends or stays silent too long.

        The first message proves the connection healthy and resets ``backoff`` (the default connection's one).
        ``MESSAGE_TIMEOUT`` is enforced with one deadline that is pushed back at most every eighth of the timeout,
        so silence is detected after between one and 9/8 timeouts, at no cost per message.
        """
        backoff = self._reconnect_backoff if backoff is None else backoff
        timeout = self.MESSAGE_TIMEOUT or None
        loop = asyncio.get_running_loop()
        queues = self._message_queue
        routes = self._routes
        keys = self._get_messages_queue_keys()
        receive = websocket_assistant.receive
        channel_of = self._channel_originating_message
        first = True
        carries_book = connection in self._book_connections
        book_keys = (self._snapshot_messages_queue_key, self._diff_messages_queue_key)
        async with asyncio.timeout(None) as deadline:
            slack = timeout / 8 if timeout else 0.0
            pushed = -_INF
            while True:
                if timeout:
                    now = loop.time()
                    if now - pushed > slack:
                        pushed = now
                        deadline.reschedule(now + timeout + slack)
                response = await receive()
                if response is None:
                    if not websocket_assistant.connected:
                        return
                    continue
                if first:
                    backoff.reset()  # the connection proved healthy
                    first = False
                data = response.data
                if data is None:
                    continue
                channel = channel_of(data)
                if channel not in keys:
                    await self._process_message_for_unknown_channel(data, websocket_assistant)
                    continue
                if not carries_book and channel in book_keys:
                    carries_book = True
                    self._book_connections.add(connection)
                route = routes.get(channel)
                if route is None or route.busy or route.queue.qsize():
                    queues[channel].put_nowait(data)
                    continue
                try:
                    await route.parser(data, route.output)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    self.logger().exception("Unexpected error parsing an order book %s message: %s", route.kind, data)

    async def _heartbeat_loop(self, ws: WSAssistant, interval: float | None) -> None:
        """Heartbeats every ``interval`` seconds and the renewal at ``_connection_deadline()`` (see ``upkeep``)."""
        await keep_connection(
            ws,
            interval=interval or None,
            heartbeat=self._heartbeat_request,
            deadline=self._connection_deadline,
            sleep=self._sleep,
            clock=self._time,
            logger=self.logger(),
        )

    # ------------------------------------------------------------------ consumers used by the tracker

    async def listen_for_order_book_diffs(self, ev_loop: Any, output: asyncio.Queue[Any]) -> None:
        await self._consume(self._diff_messages_queue_key, self._parse_order_book_diff_message, output, "diff")

    async def listen_for_trades(self, ev_loop: Any, output: asyncio.Queue[Any]) -> None:
        await self._consume(self._trade_messages_queue_key, self._parse_trade_message, output, "trade")

    async def _consume(
        self,
        key: Any,
        parser: Callable[[Any, asyncio.Queue[Any]], Awaitable[None]],
        output: asyncio.Queue[Any],
        kind: str,
    ) -> None:
        """Parse the ``key`` channel into ``output`` forever: the reader's messages inline, queued ones here."""
        queue = self._message_queue[key]
        route = self._routes[key] = _Route(queue, parser, output, kind)
        try:
            while True:
                raw = await queue.get()
                route.busy = True
                try:
                    await parser(raw, output)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    self.logger().exception("Unexpected error parsing an order book %s message: %s", kind, raw)
                finally:
                    route.busy = False
        finally:
            if self._routes.get(key) is route:
                del self._routes[key]

    async def listen_for_order_book_snapshots(self, ev_loop: Any, output: asyncio.Queue[Any]) -> None:
        """Forward websocket snapshots; with a REST snapshot source also fetch full snapshots periodically.

        Every ``FULL_ORDER_BOOK_RESET_DELTA_SECONDS`` without a websocket snapshot, a REST snapshot of every pair is
        put on ``output`` (the tracker replays its recent diffs on top of it).
        """
        loop = asyncio.get_running_loop()
        self._last_websocket_snapshot = loop.time()

        async def parse(raw: Any, message_queue: asyncio.Queue[Any]) -> None:
            self._last_websocket_snapshot = loop.time()
            await self._parse_order_book_snapshot_message(raw, message_queue)

        consumer = asyncio.ensure_future(self._consume(self._snapshot_messages_queue_key, parse, output, "snapshot"))
        try:
            while True:
                due = self._last_websocket_snapshot + self.FULL_ORDER_BOOK_RESET_DELTA_SECONDS
                await asyncio.sleep(max(due - loop.time(), 0.0))  # real time, as the periodic refresh always was
                if loop.time() < self._last_websocket_snapshot + self.FULL_ORDER_BOOK_RESET_DELTA_SECONDS:
                    continue  # a websocket snapshot came meanwhile
                self._last_websocket_snapshot = loop.time()
                if self.SNAPSHOT_SOURCE == "rest":
                    await self._request_order_book_snapshots(output)
        finally:
            consumer.cancel()

    async def _request_order_book_snapshots(self, output: asyncio.Queue[Any]) -> None:
        for trading_pair in list(self._trading_pairs):
            try:
                output.put_nowait(await self._order_book_snapshot(trading_pair))
            except asyncio.CancelledError:
                raise
            except Exception:
                self.logger().exception("Unexpected error fetching the order book snapshot for %s.", trading_pair)

    # ------------------------------------------------------------------ dynamic subscriptions

    def _requests_for(self, connection: str | None, trading_pairs: list[str], subscribe: bool) -> list[WSRequest]:
        """The (un)subscription requests of ``trading_pairs`` on one connection (None: the default one)."""
        if connection is None:
            return (self._subscription_requests if subscribe else self._unsubscription_requests)(trading_pairs)
        requests_on = self._subscription_requests_on if subscribe else self._unsubscription_requests_on
        return requests_on(connection, trading_pairs)

    async def _send_on_live_connections(self, trading_pairs: list[str], operations: tuple[bool, ...]) -> bool:
        """Unsubscribe (False) or subscribe (True) ``trading_pairs`` on every connection, one operation after the
        other; False, with nothing sent, when a connection is down."""
        if not self.WS_CONNECTIONS:
            connections: list[tuple[str | None, WSAssistant | None]] = [(None, self._ws_assistant)]
        else:
            connections = [(name, self._ws_assistants_on.get(name)) for name in self.WS_CONNECTIONS]
        if any(ws is None for _, ws in connections):
            return False
        for subscribe in operations:
            for name, ws in connections:
                assert ws is not None
                for request in self._requests_for(name, trading_pairs, subscribe):
                    await ws.send(request)
        return True

    async def subscribe_to_trading_pair(self, trading_pair: str) -> bool:
        """Subscribe one more pair on the live connection(s); ``False`` if not connected or a send fails."""
        try:
            sent = await self._send_on_live_connections([trading_pair], (True,))
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().exception("Unexpected error subscribing to %s.", trading_pair)
            return False
        if not sent:
            self.logger().warning("Cannot subscribe to %s: the websocket is not connected.", trading_pair)
            return False
        self.add_trading_pair(trading_pair)
        self.logger().info("Subscribed to %s order book and trade channels.", trading_pair)
        return True

    async def unsubscribe_from_trading_pair(self, trading_pair: str) -> bool:
        """Unsubscribe a pair on the live connection(s); ``False`` if not connected or a send fails."""
        try:
            sent = await self._send_on_live_connections([trading_pair], (False,))
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().exception("Unexpected error unsubscribing from %s.", trading_pair)
            return False
        if not sent:
            self.logger().warning("Cannot unsubscribe from %s: the websocket is not connected.", trading_pair)
            return False
        self.remove_trading_pair(trading_pair)
        self.logger().info("Unsubscribed from %s order book and trade channels.", trading_pair)
        return True

    async def request_websocket_snapshot(self, trading_pair: str) -> bool:
        """Make the exchange push a fresh snapshot (``SNAPSHOT_SOURCE == "websocket"``): resubscribe the pair."""
        try:
            return await self._send_on_live_connections([trading_pair], (False, True))
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().exception("Unexpected error resubscribing %s for a fresh snapshot.", trading_pair)
            return False
