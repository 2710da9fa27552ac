"""Account events applied in exchange order, over a real websocket on 127.0.0.1.

The generated Binance connector logs in to a Binance-shaped user data stream served by aiohttp on the loopback
interface; the server then sends ``outboundAccountPosition`` and ``executionReport`` events shuffled and
duplicated, as a reconnecting or multiplexing path can deliver them. The spec declares which field orders them
(``sequence``: ``u`` for balances, ``T`` for order updates); whatever the arrival order, the connector must end
with the balance of the newest account update and an order that never moves back to an older state.
"""

from __future__ import annotations

import asyncio
import random
import unittest
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from unittest.mock import patch

from aiohttp import WSMsgType, web
from binance import binance_constants as CONSTANTS
from binance.binance_exchange import BinanceExchange
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import OrderState

PAIR = "COINALPHA-HBOT"
SYMBOL = "COINALPHAHBOT"
#: The asset of the last event the server sends: once its balance is applied, every earlier event has been too.
DONE = "DONE"
T0 = 1564034571073  # ms; Binance's example "u"


def balance_event(u: int, free: str, locked: str = "0") -> dict[str, Any]:
    return {"e": "outboundAccountPosition", "E": u + 32, "u": u, "B": [{"a": "COINALPHA", "f": free, "l": locked}]}


def execution_report(transact_time: int, status: str, *, filled: str = "0", trade_id: int = -1) -> dict[str, Any]:
    """An executionReport of order OID1 (id 100234): ``x`` TRADE with a fill when ``trade_id`` >= 0."""
    trade = trade_id >= 0
    return {
        "e": "executionReport",
        "E": transact_time + 1,
        "s": SYMBOL,
        "c": "OID1",
        "S": "BUY",
        "o": "LIMIT",
        "f": "GTC",
        "q": "1",
        "p": "10000",
        "C": "",
        "x": "TRADE" if trade else "NEW",
        "X": status,
        "i": "100234",
        "l": filled if trade else "0",
        "z": filled,
        "L": "10000" if trade else "0",
        "n": "0.01" if trade else "0",
        "N": "HBOT" if trade else None,
        "T": transact_time,
        "t": trade_id,
        "m": False,
    }


class _UserDataStream:
    """A Binance-shaped user data stream: answers the signed subscribe request, then sends ``events`` in order."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events
        self.logins: list[dict[str, Any]] = []
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/ws-api/v3", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"ws://127.0.0.1:{port}/ws-api/v3"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        login = await ws.receive_json()
        self.logins.append(login)
        await ws.send_json({"id": login["id"], "status": 200, "result": {"subscriptionId": 0}})
        for event in self.events:
            await ws.send_json({"subscriptionId": 0, "event": event})
        async for message in ws:  # keep the stream open until the client leaves
            if message.type == WSMsgType.ERROR:
                break
        return ws


class AccountEventsOverLoopbackTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.exchange = BinanceExchange(binance_api_key="key", binance_api_secret="secret", trading_pairs=[PAIR])
        self.tasks: list[asyncio.Task[Any]] = []

    async def asyncTearDown(self) -> None:
        tracker = self.exchange._user_stream_tracker
        if tracker is not None:
            await tracker.stop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.exchange._web_assistants_factory.close()

    async def stream(self, events: list[dict[str, Any]]) -> _UserDataStream:
        """Serve ``events`` (then the DONE balance) and run the connector's user stream until it has applied them."""
        server = _UserDataStream([*events, {**balance_event(T0 + 10_000, "1"), "B": [{"a": DONE, "f": "1", "l": "0"}]}])
        url = await server.start()
        self.addAsyncCleanup(server.stop)
        with patch.dict(CONSTANTS.WSS_URLS[CONSTANTS.DEFAULT_DOMAIN], {CONSTANTS.PRIVATE_WS_URL_NAME: url}):
            tracker = self.exchange._user_stream_tracker
            assert tracker is not None
            self.tasks.append(asyncio.create_task(tracker.start()))
            self.tasks.append(asyncio.create_task(self.exchange._user_stream_event_listener()))
            await self.wait_for(lambda: self.exchange.get_balance(DONE) == Decimal("1"))
        await self.exchange._order_tracker.wait_for_pending_updates()
        self.assertEqual("userDataStream.subscribe.signature", server.logins[0]["method"])
        return server

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        async def poll() -> None:
            while not condition():
                await asyncio.sleep(0.01)

        waiting: Awaitable[None] = poll()
        await asyncio.wait_for(waiting, timeout)

    async def test_shuffled_and_replayed_balance_events_leave_the_newest_balance(self) -> None:
        # Ten account updates; the newest (u = T0 + 9) says 131 free. Shuffled so that an older one arrives last,
        # then three older ones replayed: applied in arrival order the balance would end at an older value.
        truth = [balance_event(T0 + i, str(100 + 3 * i + (4 if i == 9 else 0)), str(i)) for i in range(10)]
        order = truth[:]
        random.Random(7).shuffle(order)
        if order[-1] is truth[-1]:
            order[-1], order[0] = order[0], order[-1]
        delivered = [*order, truth[2], truth[5], truth[0]]

        await self.stream(delivered)

        self.assertEqual("131", truth[-1]["B"][0]["f"])
        self.assertEqual(Decimal("131"), self.exchange.get_available_balance("COINALPHA"))
        self.assertEqual(Decimal("140"), self.exchange.get_balance("COINALPHA"))

    async def test_a_late_older_execution_report_does_not_move_the_order_back(self) -> None:
        self.exchange.start_tracking_order(
            order_id="OID1",
            exchange_order_id="100234",
            trading_pair=PAIR,
            trade_type=TradeType.BUY,
            price=Decimal("10000"),
            amount=Decimal("1"),
            order_type=OrderType.LIMIT,
        )
        order = self.exchange.in_flight_orders["OID1"]
        new = execution_report(T0, "NEW")
        partial = execution_report(T0 + 5, "PARTIALLY_FILLED", filled="0.4", trade_id=1)

        # The partial fill overtakes the acceptance and is replayed; the acceptance arrives last.
        await self.stream([partial, partial, new])

        self.assertEqual(OrderState.PARTIALLY_FILLED, order.current_state)
        self.assertEqual(T0 + 5, order.last_update_sequence)
        self.assertEqual(Decimal("0.4"), order.executed_amount_base)  # the replayed fill counted once
        self.assertEqual(["1"], list(order.order_fills))
