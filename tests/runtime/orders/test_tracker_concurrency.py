"""1,000 orders whose order and trade updates arrive interleaved, shuffled and duplicated."""

from __future__ import annotations

import asyncio
import random
import sys
import unittest
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from hbrt.connector.client_order_tracker import ClientOrderTracker
from hbrt.data_type.common import TradeType
from hbrt.data_type.in_flight_order import OrderState, OrderUpdate, TradeUpdate
from hbrt.event.events import MarketEvent

sys.path.insert(0, str(Path(__file__).parent))  # pytest runs with --import-mode=importlib
from orders_test_support import PAIR, FakeConnector, make_fill, make_order  # noqa: E402

N_ORDERS = 1000
N_PRODUCERS = 16


class TrackerConcurrencyTests(unittest.TestCase):
    def test_interleaved_updates_are_counted_exactly_once(self) -> None:
        # asyncio.run rather than IsolatedAsyncioTestCase: the latter runs the loop in debug mode, which records a
        # stack trace for every callback and makes this test five times slower.
        asyncio.run(self.scenario())

    async def scenario(self) -> None:
        rng = random.Random(20240611)
        connector = FakeConnector()
        tracker = ClientOrderTracker(connector)
        expected_fills: dict[str, dict[str, TradeUpdate]] = {}
        expected_balance = Counter[str]()
        arrivals: list[tuple[str, object]] = []
        orders = {}

        for index in range(N_ORDERS):
            client_id, ex_id = f"OID{index}", f"EX{index}"
            side = TradeType.BUY if rng.random() < 0.5 else TradeType.SELL
            n_fills = rng.randint(1, 4)
            parts = [Decimal(rng.randint(1, 5000)) / Decimal(1000) for _ in range(n_fills)]
            amount = sum(parts, Decimal(0))
            order = make_order(client_id, amount=str(amount), trade_type=side)
            orders[client_id] = order
            tracker.start_tracking_order(order)
            fills = {}
            for number, part in enumerate(parts):
                price = Decimal(rng.randint(9000, 11000)) / Decimal(100)
                fill = make_fill(f"T{index}-{number}", client_id, part, price, ex_id)
                fills[fill.trade_id] = fill
                sign = 1 if side == TradeType.BUY else -1
                expected_balance["COINALPHA"] += sign * part
                expected_balance["HBOT"] -= sign * part * price
            expected_fills[client_id] = fills
            items: list[tuple[str, object]] = [("trade", fill) for fill in fills.values()]
            items += [("trade", fill) for fill in fills.values() if rng.random() < 0.3]  # duplicate fills
            states = [OrderState.OPEN, OrderState.FILLED]
            if n_fills > 1:
                states.append(OrderState.PARTIALLY_FILLED)
            states += [rng.choice(states) for _ in range(rng.randint(0, 2))]  # duplicate statuses
            items += [("order", OrderUpdate(PAIR, 1640000000.0 + index, s, client_id, ex_id)) for s in states]
            arrivals.extend(items)
        rng.shuffle(arrivals)

        filled_before_last_fill = set()
        last_fill_position = {}
        for position, (kind, item) in enumerate(arrivals):
            if kind == "trade":
                last_fill_position[item.client_order_id] = position
        for position, (kind, item) in enumerate(arrivals):
            if (
                kind == "order"
                and item.new_state == OrderState.FILLED
                and position < last_fill_position[item.client_order_id]
            ):
                filled_before_last_fill.add(item.client_order_id)
        self.assertGreater(len(filled_before_last_fill), N_ORDERS // 4)  # the hard case is well represented

        queue: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
        for arrival in arrivals:
            queue.put_nowait(arrival)

        async def producer() -> None:
            while not queue.empty():
                kind, item = queue.get_nowait()
                if kind == "trade":
                    tracker.process_trade_update(item)
                else:
                    tracker.process_order_update(item)
                if rng.random() < 0.5:
                    await asyncio.sleep(0)

        with self.assertNoLogs("hbrt.connector.client_order_tracker", "WARNING"):
            await asyncio.wait_for(asyncio.gather(*(producer() for _ in range(N_PRODUCERS))), 10)
            await asyncio.wait_for(tracker.wait_for_pending_updates(), 10)

        fill_events = connector.of(MarketEvent.OrderFilled)
        trade_ids = [event.exchange_trade_id for event in fill_events]
        self.assertEqual(len(trade_ids), len(set(trade_ids)))
        self.assertEqual({t for fills in expected_fills.values() for t in fills}, set(trade_ids))

        completed = connector.of(MarketEvent.BuyOrderCompleted) + connector.of(MarketEvent.SellOrderCompleted)
        self.assertEqual(N_ORDERS, len(completed))
        self.assertEqual(set(orders), {event.order_id for event in completed})
        created = connector.of(MarketEvent.BuyOrderCreated) + connector.of(MarketEvent.SellOrderCreated)
        self.assertEqual(sorted(orders), sorted(event.order_id for event in created))
        self.assertEqual([], connector.of(MarketEvent.OrderCancelled) + connector.of(MarketEvent.OrderFailure))

        for event in completed:
            fills = expected_fills[event.order_id].values()
            self.assertEqual(orders[event.order_id].amount, event.base_asset_amount)
            self.assertEqual(sum((f.fill_base_amount for f in fills), Decimal(0)), event.base_asset_amount)
            self.assertEqual(sum((f.fill_quote_amount for f in fills), Decimal(0)), event.quote_asset_amount)
        for client_id, order in orders.items():
            self.assertEqual(OrderState.FILLED, order.current_state, client_id)
            self.assertEqual(order.amount, order.executed_amount_base)
        self.assertEqual({}, tracker.active_orders)

        # Completion comes after every fill of the same order.
        position_of_completion = {}
        last_fill_event = defaultdict(int)
        for position, (tag, event) in enumerate(connector.events):
            if tag == MarketEvent.OrderFilled:
                last_fill_event[event.order_id] = position
            elif tag in (MarketEvent.BuyOrderCompleted, MarketEvent.SellOrderCompleted):
                position_of_completion[event.order_id] = position
        self.assertTrue(all(last_fill_event[o] < position_of_completion[o] for o in orders))

        balance = Counter[str]()
        for event in fill_events:
            sign = 1 if event.trade_type == TradeType.BUY else -1
            balance["COINALPHA"] += sign * event.amount
            balance["HBOT"] -= sign * event.amount * event.price
        self.assertEqual(expected_balance["COINALPHA"], balance["COINALPHA"])
        self.assertEqual(expected_balance["HBOT"], balance["HBOT"])
