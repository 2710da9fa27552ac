"""PerpetualTrading, Position and FundingInfo on their own (the connector side is covered by the shared suite)."""

from __future__ import annotations

import asyncio
import unittest
from decimal import Decimal

from hbrt.connector.derivative.collateral import margin_held_by_orders, margin_moved_by_fills
from hbrt.connector.derivative.position import Position, PositionEntry, signed_amount
from hbrt.connector.perpetual_trading import PerpetualTrading
from hbrt.data_type.common import OrderType, PositionAction, PositionMode, PositionSide, TradeType
from hbrt.data_type.funding_info import FundingInfo, FundingInfoUpdate
from hbrt.data_type.in_flight_order import OrderState, PerpetualDerivativeInFlightOrder
from hbrt.data_type.trade_fee import AddedToCostTradeFee
from hbrt.event.events import OrderFilledEvent

PAIR = "BTC-USDT"


def funding(rate: str = "0.01") -> FundingInfo:
    return FundingInfo(PAIR, Decimal("100"), Decimal("101"), 1700000000, Decimal(rate))


class FundingInfoTests(unittest.TestCase):
    def test_update_copies_only_the_fields_it_sets(self) -> None:
        info = funding()
        info.update(FundingInfoUpdate(PAIR, mark_price=Decimal("102"), rate=Decimal("0.02")))
        self.assertEqual(FundingInfo(PAIR, Decimal("100"), Decimal("102"), 1700000000, Decimal("0.02")), info)

    def test_update_of_another_pair_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            funding().update(FundingInfoUpdate("ETH-USDT", rate=Decimal("1")))


class PositionTests(unittest.TestCase):
    def test_update_keeps_fields_passed_as_none(self) -> None:
        position = Position(PAIR, PositionSide.LONG, Decimal("1"), Decimal("100"), Decimal("2"), Decimal("5"))
        position.update_position(amount=Decimal("3"))
        self.assertEqual(
            Position(PAIR, PositionSide.LONG, Decimal("1"), Decimal("100"), Decimal("3"), Decimal("5")), position
        )
        self.assertIn("amount=3", repr(position))

    def test_signed_amount_negates_only_an_unsigned_short_size(self) -> None:
        self.assertEqual(Decimal("-2"), signed_amount(Decimal("2"), TradeType.SELL))
        self.assertEqual(Decimal("-2"), signed_amount(Decimal("-2"), TradeType.SELL))  # already signed
        self.assertEqual(Decimal("2"), signed_amount(Decimal("2"), TradeType.BUY))
        self.assertEqual(Decimal("-2"), signed_amount(Decimal("-2"), None))  # no direction: the sign says it
        self.assertEqual(Decimal("0"), signed_amount(Decimal("0"), TradeType.SELL))


class PerpetualTradingTests(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.pairs = [PAIR]
        self.trading = PerpetualTrading(self.pairs)

    def test_position_keys_by_mode(self) -> None:
        self.assertEqual(PAIR, self.trading.position_key(PAIR, PositionSide.LONG))
        self.assertEqual(f"{PAIR}SHORT", self.trading.position_key(PAIR, PositionSide.SHORT, PositionMode.HEDGE))
        with self.assertRaises(ValueError):
            self.trading.position_key(PAIR, PositionSide.BOTH, PositionMode.HEDGE)

    def test_hedge_mode_holds_a_long_and_a_short_position_of_one_pair(self) -> None:
        self.trading.set_position_mode(PositionMode.HEDGE)
        self.trading.apply_position_entry(
            PositionEntry(PAIR, PositionSide.LONG, Decimal("1"), Decimal("10")), Decimal(2)
        )
        self.trading.apply_position_entry(
            PositionEntry(PAIR, PositionSide.SHORT, Decimal("-4"), Decimal("11")), Decimal(2)
        )
        self.assertEqual({f"{PAIR}LONG", f"{PAIR}SHORT"}, set(self.trading.account_positions))
        self.assertEqual(Decimal("-4"), self.trading.get_position(PAIR, PositionSide.SHORT).amount)  # type: ignore[union-attr]
        self.assertIsNone(self.trading.get_position(PAIR))

    def test_apply_entry_opens_updates_closes_and_reports_unknown(self) -> None:
        opened = self.trading.apply_position_entry(
            PositionEntry(PAIR, PositionSide.BOTH, Decimal("-2"), Decimal("10")), Decimal(3)
        )
        assert opened.position is not None
        self.assertEqual(
            (PAIR, PositionSide.SHORT, Decimal(3)),
            (opened.key, opened.position.position_side, opened.position.leverage),
        )
        unchanged = self.trading.apply_position_entry(PositionEntry(PAIR, None, Decimal("-2")), Decimal(3))
        self.assertEqual((PAIR, None), (unchanged.key, unchanged.position))
        closed = self.trading.apply_position_entry(PositionEntry(PAIR, None, Decimal("0")), Decimal(3))
        self.assertTrue(closed.closed)
        self.assertEqual({}, self.trading.account_positions)
        unknown = self.trading.apply_position_entry(PositionEntry(PAIR, None, Decimal("1")), Decimal(3))
        self.assertTrue(unknown.unknown)
        self.assertEqual({}, self.trading.account_positions)

    def test_leverage_defaults_to_one_and_is_forgotten_with_the_pair(self) -> None:
        self.assertEqual(1, self.trading.get_leverage(PAIR))
        self.trading.set_leverage(PAIR, 20)
        self.trading.initialize_funding_info(funding())
        self.trading.remove_trading_pair(PAIR)
        self.assertEqual(
            ([], 1, False), (self.pairs, self.trading.get_leverage(PAIR), self.trading.has_funding_info(PAIR))
        )

    async def test_updater_applies_stream_skips_unknown_pairs_and_stop_clears(self) -> None:
        self.trading.start()  # (re)starting forgets funding information: it is fetched again after a start
        self.trading.initialize_funding_info(funding())
        self.trading.funding_info_stream.put_nowait(FundingInfoUpdate("ETH-USDT", rate=Decimal("9")))
        self.trading.funding_info_stream.put_nowait(FundingInfoUpdate(PAIR, rate=Decimal("0.05")))
        async with asyncio.timeout(2):
            while self.trading.get_funding_info(PAIR).rate != Decimal("0.05"):
                await asyncio.sleep(0)
        self.assertEqual([PAIR], list(self.trading.funding_info))
        copy = self.trading.funding_info[PAIR]
        copy.rate = Decimal("7")
        self.assertEqual(Decimal("0.05"), self.trading.get_funding_info(PAIR).rate)  # the property is a deep copy
        self.trading.stop()
        self.assertFalse(self.trading.is_funding_info_initialized())


class CollateralTests(unittest.TestCase):
    def order(self, side: TradeType, action: PositionAction, leverage: int) -> PerpetualDerivativeInFlightOrder:
        return PerpetualDerivativeInFlightOrder(
            client_order_id=f"{side.name}{action.name}",
            trading_pair=PAIR,
            order_type=OrderType.LIMIT,
            trade_type=side,
            amount=Decimal("2"),
            price=Decimal("100"),
            creation_timestamp=0,
            initial_state=OrderState.OPEN,
            leverage=leverage,
            position=action,
        )

    def test_opening_orders_hold_margin_in_their_collateral_token(self) -> None:
        tokens = {TradeType.BUY: "USDT", TradeType.SELL: "BTC"}  # an inverse-style sell collateral
        orders = [
            self.order(TradeType.BUY, PositionAction.OPEN, 4),
            self.order(TradeType.SELL, PositionAction.OPEN, 10),
            self.order(TradeType.SELL, PositionAction.CLOSE, 10),
        ]
        held = margin_held_by_orders(orders, lambda pair, side: tokens[side])
        self.assertEqual({"USDT": Decimal("50"), "BTC": Decimal("20")}, held)

    def test_fills_take_and_release_margin(self) -> None:
        def fill(action: PositionAction) -> OrderFilledEvent:
            return OrderFilledEvent(
                0,
                "id",
                PAIR,
                TradeType.BUY,
                OrderType.LIMIT,
                Decimal("100"),
                Decimal("1"),
                AddedToCostTradeFee(),
                leverage=5,
                position=action.value,
            )

        moved = margin_moved_by_fills(
            [fill(PositionAction.OPEN), fill(PositionAction.OPEN), fill(PositionAction.CLOSE)],
            lambda pair, side: "USDT",
        )
        self.assertEqual({"USDT": Decimal("-20")}, moved)
