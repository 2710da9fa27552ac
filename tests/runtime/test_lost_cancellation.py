"""A cancellation that arrives just as a bounded wait completes must still cancel the waiting task.

On Python 3.11, ``asyncio.wait_for`` returns the awaited result when the cancellation lands in the few loop steps
between the awaited thing finishing and the waiting task resuming: the cancellation is lost. A loop waiting that
way (the Gateway transaction poll, the user-stream reader) then keeps running after ``stop()`` cancelled it, and
whoever awaits it hangs: the Gateway network check waited forever in ``stop_network()``, so a connector never
reconnected after Gateway came back. The runtime bounds its waits with ``asyncio.timeout`` instead, which keeps the
cancellation. Each case here wakes a wait and cancels the waiter 0..5 loop steps later; it fails within a second
(never hangs) when a cancellation is lost, whether the task keeps running or returns a result.
"""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from hbrt.connector.client_order_tracker import ClientOrderTracker
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate
from hbrt.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hbrt.gateway import GatewayHttpClient, GatewaySwap, TradingType
from hbrt.gateway.transport import GatewayConnectionSettings
from hbrt.web_assistant.connections.data_types import WSResponse
from hbrt.web_assistant.upkeep import wait_until_ready

LONG = 60.0  # every timeout under test: far beyond the test, so only the wake-up ends a wait
STEPS = 6  # loop steps between the wake-up and the cancellation that are tried (the window is 2-3 steps wide)


class QueueSocket:
    """Just enough of a WSAssistant: ``receive()`` returns what the test queued."""

    def __init__(self) -> None:
        self.messages: asyncio.Queue[WSResponse] = asyncio.Queue()
        self.connected = True

    async def receive(self) -> WSResponse:
        return await self.messages.get()

    def push(self) -> None:
        self.messages.put_nowait(WSResponse({"e": "event"}))


class Router(GatewaySwap):
    DEX = "jupiter"
    CHAIN = "solana"
    NETWORKS = ("mainnet-beta",)
    DEFAULT_NETWORK = "mainnet-beta"
    TRADING_TYPES = (TradingType.ROUTER,)
    DEFAULT_TRADING_TYPE = TradingType.ROUTER
    POLL_INTERVAL = LONG


class SilentUserStream(UserStreamTrackerDataSource):
    MESSAGE_TIMEOUT = LONG


class _Connector:
    """What the order tracker needs of its connector: a clock and an event sink."""

    current_timestamp = 1.0

    def __init__(self) -> None:
        self.events: list[tuple[Any, Any]] = []

    def trigger_event(self, tag: Any, event: Any) -> None:
        self.events.append((tag, event))


def _order(client_order_id: str = "OID1") -> InFlightOrder:
    return InFlightOrder(
        client_order_id, "COINALPHA-HBOT", OrderType.LIMIT, TradeType.BUY, Decimal(1), 1.0, Decimal(10)
    )


Wait = tuple[Coroutine[Any, Any, Any], Callable[[], None]]  # a wait, and what ends it


class LostCancellationTests(unittest.IsolatedAsyncioTestCase):
    async def assert_cancellation_lands(self, fresh_wait: Callable[[], Wait]) -> list[int]:
        """For each of ``STEPS``: start a fresh wait, wake it, cancel it that many loop steps later; a task still
        running then must end cancelled, within a second. Returns the step counts at which a cancellation landed."""
        landed = []
        for steps in range(STEPS):
            wait, wake = fresh_wait()
            task = asyncio.create_task(wait)
            await asyncio.sleep(0.01)  # the task reaches its wait
            self.assertFalse(task.done(), "the task should be waiting")
            wake()
            for _ in range(steps):
                await asyncio.sleep(0)
            if not task.cancel():
                continue  # the wait ended (and the task with it) before the cancellation: nothing to lose
            done, _ = await asyncio.wait({task}, timeout=1.0)
            if not done:
                await _stop_runaway(task)
                self.fail(f"a cancellation {steps} loop steps after the wake-up was lost: the task kept running")
            if not task.cancelled():
                self.fail(f"a cancellation {steps} loop steps after the wake-up was lost: the task ended normally")
            landed.append(steps)
        self.assertTrue(landed, "no cancellation reached a waiting task")
        return landed

    async def test_gateway_transaction_poll_loop(self) -> None:
        connector = Router(gateway_client=GatewayHttpClient(GatewayConnectionSettings(port=1)))
        try:
            await self.assert_cancellation_lands(
                lambda: (connector._status_polling_loop(), lambda: connector._poll_notifier.set())
            )
        finally:
            await connector.gateway_client.close()

    async def test_gateway_wait_until_initialized(self) -> None:
        connector = Router(gateway_client=GatewayHttpClient(GatewayConnectionSettings(port=1)))

        def fresh_wait() -> Wait:
            connector._initialized.clear()
            return connector.wait_until_initialized(LONG), connector._initialized.set

        try:
            await self.assert_cancellation_lands(fresh_wait)
        finally:
            await connector.gateway_client.close()

    async def test_user_stream_reader_with_a_message_timeout(self) -> None:
        source = SilentUserStream()

        def fresh_wait() -> Wait:
            socket = QueueSocket()
            return source._process_websocket_messages(socket, asyncio.Queue()), socket.push  # type: ignore[arg-type]

        await self.assert_cancellation_lands(fresh_wait)

    async def test_wait_until_ready(self) -> None:
        def fresh_wait() -> Wait:
            socket = QueueSocket()
            return wait_until_ready(socket, lambda _: True, LONG), socket.push  # type: ignore[arg-type]

        await self.assert_cancellation_lands(fresh_wait)

    async def test_exchange_order_id_wait(self) -> None:
        def fresh_wait() -> Wait:
            order = _order()
            order.GET_EX_ORDER_ID_TIMEOUT = LONG
            return order.get_exchange_order_id(), lambda: order.update_exchange_order_id("EOID1")

        await self.assert_cancellation_lands(fresh_wait)

    async def test_filled_update_waiting_for_its_fills(self) -> None:
        tracker = ClientOrderTracker(_Connector())
        tracker.TRADE_FILLS_WAIT_TIMEOUT = LONG
        orders = []

        def fresh_wait() -> Wait:
            order = _order(f"OID{len(orders)}")
            orders.append(order)
            tracker.start_tracking_order(order)
            update = OrderUpdate(order.trading_pair, 2.0, OrderState.FILLED, client_order_id=order.client_order_id)
            return tracker._process_order_update(update), order.completely_filled_event.set

        landed = await self.assert_cancellation_lands(fresh_wait)
        # A cancelled update is not applied (an update that finished before its cancellation is).
        self.assertEqual([OrderState.PENDING_CREATE] * len(landed), [orders[step].current_state for step in landed])


async def _stop_runaway(task: asyncio.Task[Any]) -> None:
    """Cancel a task whose cancellation was lost until it ends (each try can be lost again), for clean teardown."""
    for _ in range(100):
        if task.done():
            return
        task.cancel()
        await asyncio.wait({task}, timeout=0.01)
