"""InFlightOrder, OrderUpdate and TradeUpdate."""

from __future__ import annotations

import asyncio
import unittest
from decimal import Decimal

from hbrt.data_type.common import OrderType, PositionAction, TradeType
from hbrt.data_type.in_flight_order import InFlightOrder, OrderState, OrderUpdate, TradeUpdate
from hbrt.data_type.trade_fee import AddedToCostTradeFee, DeductedFromReturnsTradeFee, FeeConversionError, TokenAmount

PAIR = "COINALPHA-HBOT"


def make_order(amount: str = "10", state: OrderState = OrderState.PENDING_CREATE, exchange_id: str | None = None):
    return InFlightOrder(
        client_order_id="OID1",
        trading_pair=PAIR,
        order_type=OrderType.LIMIT,
        trade_type=TradeType.BUY,
        amount=Decimal(amount),
        creation_timestamp=1640000000.0,
        price=Decimal("100"),
        exchange_order_id=exchange_id,
        initial_state=state,
    )


def make_fill(trade_id: str, amount: str, price: str = "100", fee=None, client_id: str = "OID1", ex_id: str = "EOID1"):
    return TradeUpdate(
        trade_id=trade_id,
        client_order_id=client_id,
        exchange_order_id=ex_id,
        trading_pair=PAIR,
        fill_timestamp=1640000010.0,
        fill_price=Decimal(price),
        fill_base_amount=Decimal(amount),
        fill_quote_amount=Decimal(amount) * Decimal(price),
        fee=fee or AddedToCostTradeFee(flat_fees=[TokenAmount("HBOT", Decimal("0.1"))]),
    )


class OrderStateAndUpdatesTests(unittest.TestCase):
    def test_state_values_and_order_update_repr(self) -> None:
        self.assertEqual(
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            [
                OrderState[name].value
                for name in (
                    "PENDING_CREATE OPEN PENDING_CANCEL CANCELED PARTIALLY_FILLED FILLED FAILED PENDING_APPROVAL "
                    "APPROVED CREATED COMPLETED"
                ).split()
            ],
        )
        update = OrderUpdate(PAIR, 5.0, OrderState.FAILED, "OID1", misc_updates={"error_message": "boom"})
        self.assertEqual(
            "OrderUpdate(trading_pair='COINALPHA-HBOT', update_timestamp=5.0, new_state=<OrderState.FAILED: 6>, "
            "client_order_id='OID1', exchange_order_id=None, misc_updates={'error_message': 'boom'})",
            repr(update),
        )
        self.assertTrue(
            repr(update._replace(sequence=42)).endswith("misc_updates={'error_message': 'boom'}, sequence=42)")
        )

    def test_trade_update_json_round_trip_and_fee_asset(self) -> None:
        fill = make_fill("T1", "2", fee=DeductedFromReturnsTradeFee(flat_fees=[TokenAmount("BNB", Decimal("0.3"))]))
        self.assertEqual("BNB", fill.fee_asset)
        self.assertEqual(fill, TradeUpdate.from_json(fill.to_json()))
        self.assertFalse(TradeUpdate.from_json(fill._replace(is_taker=False).to_json()).is_taker)

    def test_predicates_per_state(self) -> None:
        expectations = {
            OrderState.PENDING_CREATE: dict(is_open=True, is_pending_create=True),
            OrderState.OPEN: dict(is_open=True),
            OrderState.PARTIALLY_FILLED: dict(is_open=True),
            OrderState.PENDING_CANCEL: dict(is_open=True, is_pending_cancel_confirmation=True),
            OrderState.CANCELED: dict(is_done=True, is_cancelled=True),
            OrderState.FILLED: dict(is_done=True, is_filled=True),
            OrderState.FAILED: dict(is_done=True, is_failure=True),
            OrderState.PENDING_APPROVAL: {},
        }
        names = (
            "is_open",
            "is_pending_create",
            "is_pending_cancel_confirmation",
            "is_done",
            "is_cancelled",
            "is_filled",
            "is_failure",
        )
        for state, true_ones in expectations.items():
            order = make_order(state=state)
            for name in names:
                self.assertEqual(true_ones.get(name, False), getattr(order, name), f"{state.name}.{name}")

    def test_update_with_order_update_matching_and_change_detection(self) -> None:
        order = make_order()
        self.assertFalse(order.update_with_order_update(OrderUpdate(PAIR, 2.0, OrderState.OPEN, "OTHER", "EX9")))
        self.assertTrue(order.is_pending_create)
        self.assertTrue(order.update_with_order_update(OrderUpdate(PAIR, 2.0, OrderState.OPEN, "OID1", "EOID1")))
        self.assertEqual(
            ("EOID1", OrderState.OPEN, 2.0), (order.exchange_order_id, order.current_state, order.last_update_timestamp)
        )
        # Unchanged: no bump of the timestamp.
        self.assertFalse(order.update_with_order_update(OrderUpdate(PAIR, 3.0, OrderState.OPEN, None, "EOID1")))
        self.assertEqual(2.0, order.last_update_timestamp)
        # Matching by exchange id only.
        self.assertTrue(
            order.update_with_order_update(OrderUpdate(PAIR, 4.0, OrderState.PARTIALLY_FILLED, None, "EOID1"))
        )

    def test_terminal_state_is_final(self) -> None:
        order = make_order(state=OrderState.OPEN, exchange_id="EOID1")
        self.assertTrue(order.update_with_order_update(OrderUpdate(PAIR, 2.0, OrderState.FILLED, "OID1")))
        with self.assertLogs("hbrt.data_type.in_flight_order", "DEBUG") as logs:
            self.assertFalse(order.update_with_order_update(OrderUpdate(PAIR, 3.0, OrderState.OPEN, "OID1")))
        self.assertIn("terminal state FILLED", logs.output[0])
        self.assertEqual(OrderState.FILLED, order.current_state)
        self.assertTrue(order.is_done and order.is_filled and not order.is_open)
        self.assertFalse(order.update_with_order_update(OrderUpdate(PAIR, 3.0, OrderState.CANCELED, "OID1")))
        cancelled = make_order(state=OrderState.CANCELED)
        self.assertFalse(cancelled.update_with_order_update(OrderUpdate(PAIR, 3.0, OrderState.FILLED, "OID1")))
        self.assertTrue(cancelled.is_cancelled)

    def test_an_update_older_than_the_last_applied_is_ignored(self) -> None:
        order = make_order(state=OrderState.OPEN, exchange_id="EOID1")
        partial = OrderUpdate(PAIR, 2.0, OrderState.PARTIALLY_FILLED, "OID1", sequence=20)
        self.assertTrue(order.update_with_order_update(partial))
        self.assertEqual(20, order.last_update_sequence)
        older = OrderUpdate(PAIR, 1.0, OrderState.OPEN, "OID1", sequence=19)
        self.assertTrue(order.is_stale_update(older))
        self.assertFalse(order.update_with_order_update(older))
        self.assertEqual(OrderState.PARTIALLY_FILLED, order.current_state)
        # An update without a sequence (e.g. a local decision) and one with the same sequence are applied.
        self.assertFalse(order.is_stale_update(older._replace(sequence=None)))
        self.assertTrue(order.update_with_order_update(older._replace(sequence=20)))
        self.assertEqual(OrderState.OPEN, order.current_state)
        self.assertTrue(order.update_with_order_update(OrderUpdate(PAIR, 3.0, OrderState.CANCELED, "OID1")))
        self.assertEqual(20, order.last_update_sequence)  # kept when an update carries none

    def test_fills_accumulate_once_per_trade_id(self) -> None:
        order = make_order(state=OrderState.OPEN, exchange_id="EOID1")
        self.assertIsNone(order.average_executed_price)
        self.assertTrue(order.update_with_trade_update(make_fill("T1", "4", "100")))
        self.assertFalse(order.update_with_trade_update(make_fill("T1", "4", "100")))
        self.assertFalse(order.update_with_trade_update(make_fill("T9", "4", client_id="X", ex_id="Y")))
        self.assertEqual(Decimal(4), order.executed_amount_base)
        self.assertFalse(order.is_done or order.is_filled)
        self.assertTrue(order.update_with_trade_update(make_fill("T2", "6", "110")))
        self.assertEqual(Decimal(10), order.executed_amount_base)
        self.assertEqual(Decimal(1060), order.executed_amount_quote)
        self.assertEqual(Decimal("106"), order.average_executed_price)
        self.assertTrue(order.is_done and order.is_filled)
        self.assertTrue(order.is_open)  # state-based, still OPEN until the exchange says FILLED
        self.assertTrue(order.completely_filled_event.is_set())

    def test_fill_tolerance_and_zero_amount(self) -> None:
        order = make_order(amount="1", state=OrderState.OPEN, exchange_id="EOID1")
        order.update_with_trade_update(make_fill("T1", "0.999999999"))
        self.assertTrue(order.is_filled)
        almost = make_order(amount="1", state=OrderState.OPEN, exchange_id="EOID1")
        almost.update_with_trade_update(make_fill("T1", "0.99999998"))
        self.assertFalse(almost.is_filled)
        self.assertFalse(make_order(amount="0", state=OrderState.OPEN).is_filled)

    def test_cumulative_fee_paid(self) -> None:
        order = make_order(state=OrderState.OPEN, exchange_id="EOID1")
        order.update_with_trade_update(make_fill("T1", "2", "100", AddedToCostTradeFee(percent=Decimal("0.01"))))
        order.update_with_trade_update(
            make_fill("T2", "3", "100", AddedToCostTradeFee(flat_fees=[TokenAmount("HBOT", Decimal("0.5"))]))
        )
        order.update_with_trade_update(
            make_fill("T3", "1", "100", AddedToCostTradeFee(flat_fees=[TokenAmount("BNB", Decimal("7"))]))
        )
        # 2 * 100 * 1% = 2 HBOT, + 0.5 HBOT; the BNB fee cannot be valued in HBOT without an oracle.
        self.assertEqual(Decimal("2.5"), order.cumulative_fee_paid("HBOT"))
        self.assertEqual(Decimal("0.025"), order.cumulative_fee_paid("COINALPHA"))
        self.assertEqual(Decimal(7), order.cumulative_fee_paid("BNB"))
        with self.assertRaises(FeeConversionError):
            order.cumulative_fee_paid("HBOT", strict=True)
        self.assertEqual({"HBOT": Decimal("2.5"), "BNB": Decimal(7)}, order.fees_paid_by_token())

    def test_json_round_trip(self) -> None:
        order = InFlightOrder(
            "OID7",
            PAIR,
            OrderType.LIMIT_MAKER,
            TradeType.SELL,
            Decimal("5"),
            1.5,
            Decimal("99.5"),
            "EOID7",
            OrderState.PARTIALLY_FILLED,
            leverage=3,
            position=PositionAction.OPEN,
        )
        order.update_with_trade_update(make_fill("T1", "2", "99.5", client_id="OID7", ex_id="EOID7"))
        order.last_update_sequence = 1507725177595
        data = order.to_json()
        self.assertEqual(
            {
                "client_order_id",
                "exchange_order_id",
                "trading_pair",
                "order_type",
                "trade_type",
                "price",
                "amount",
                "executed_amount_base",
                "executed_amount_quote",
                "last_state",
                "leverage",
                "position",
                "creation_timestamp",
                "last_update_timestamp",
                "last_update_sequence",
                "order_fills",
                "cumulative_fee_paid_base",
                "cumulative_fee_paid_quote",
            },
            set(data),
        )
        self.assertEqual(
            ("LIMIT_MAKER", "SELL", "4", "2", "0.1"),
            (
                data["order_type"],
                data["trade_type"],
                data["last_state"],
                data["executed_amount_base"],
                data["cumulative_fee_paid_quote"],
            ),
        )
        restored = InFlightOrder.from_json(data)
        self.assertEqual(order, restored)
        self.assertEqual(order.order_fills, restored.order_fills)
        self.assertEqual(1507725177595, restored.last_update_sequence)
        market = make_order()
        market.price = None
        self.assertIsNone(InFlightOrder.from_json(market.to_json()).price)

    def test_created_message(self) -> None:
        order = make_order()
        order.amount, order.price = Decimal("100.000000"), Decimal("10000.0000")
        self.assertEqual(
            "Created LIMIT BUY order OID1 for 100.000000 COINALPHA-HBOT at 10000.0000.",
            order.build_order_created_message(),
        )


class OrderEventsTests(unittest.IsolatedAsyncioTestCase):
    async def test_events_reflect_state_when_created_lazily(self) -> None:
        order = make_order(state=OrderState.OPEN, exchange_id="EOID1")  # built before any event exists
        self.assertTrue(order.exchange_order_id_update_event.is_set())
        self.assertTrue(order.processed_by_exchange_event.is_set())
        self.assertFalse(order.completely_filled_event.is_set())

    async def test_get_exchange_order_id_waits_for_the_update(self) -> None:
        order = make_order()
        waiter = asyncio.ensure_future(order.get_exchange_order_id())
        await asyncio.sleep(0)
        self.assertFalse(waiter.done())
        order.update_with_order_update(OrderUpdate(PAIR, 2.0, OrderState.OPEN, "OID1", "EOID1"))
        self.assertEqual("EOID1", await asyncio.wait_for(waiter, 1))
        self.assertTrue(order.processed_by_exchange_event.is_set())

    async def test_get_exchange_order_id_times_out(self) -> None:
        order = make_order()
        order.GET_EX_ORDER_ID_TIMEOUT = 0.01
        with self.assertRaises(asyncio.TimeoutError):
            await order.get_exchange_order_id()

    async def test_wait_until_completely_filled(self) -> None:
        order = make_order(amount="2", state=OrderState.OPEN, exchange_id="EOID1")
        waiter = asyncio.ensure_future(order.wait_until_completely_filled())
        order.update_with_trade_update(make_fill("T1", "1"))
        await asyncio.sleep(0)
        self.assertFalse(waiter.done())
        order.update_with_trade_update(make_fill("T2", "1"))
        await asyncio.wait_for(waiter, 1)

    async def test_failed_and_cancelled_count_as_processed(self) -> None:
        for state in (OrderState.FAILED, OrderState.CANCELED):
            order = make_order()
            waiter = asyncio.ensure_future(order.wait_until_processed_by_exchange())
            await asyncio.sleep(0)
            order.update_with_order_update(OrderUpdate(PAIR, 2.0, state, "OID1"))
            await asyncio.wait_for(waiter, 1)
