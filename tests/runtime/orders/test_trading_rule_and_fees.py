"""TradingRule, CancellationResult and the fee classes."""

from __future__ import annotations

import unittest
from decimal import Decimal

from hbrt.data_type.cancellation_result import CancellationResult
from hbrt.data_type.common import OrderType, PositionAction, TradeType
from hbrt.data_type.trade_fee import (
    AddedToCostTradeFee,
    DeductedFromReturnsTradeFee,
    FeeConversionError,
    TokenAmount,
    TradeFeeBase,
    TradeFeeSchema,
    build_perpetual_trade_fee,
    build_trade_fee,
)
from hbrt.data_type.trading_rule import TradingRule


class TradingRuleTests(unittest.TestCase):
    def test_defaults(self) -> None:
        rule = TradingRule("COINALPHA-HBOT")
        self.assertEqual(Decimal(0), rule.min_order_size)
        self.assertEqual(Decimal("1e56"), rule.max_order_size)
        self.assertEqual(Decimal("1e-56"), rule.min_price_increment)
        self.assertEqual(Decimal("1e-56"), rule.min_base_amount_increment)
        self.assertEqual(Decimal("1e-56"), rule.min_quote_amount_increment)
        self.assertEqual(Decimal(0), rule.min_notional_size)
        self.assertEqual(Decimal(0), rule.min_order_value)
        self.assertEqual(Decimal("1e56"), rule.max_price_significant_digits)
        self.assertTrue(rule.supports_limit_orders and rule.supports_market_orders)
        self.assertEqual("HBOT", rule.buy_order_collateral_token)
        self.assertEqual("HBOT", rule.sell_order_collateral_token)

    def test_repr_lists_every_field_and_equality(self) -> None:
        rule = TradingRule(
            "COINALPHA-HBOT",
            min_order_size=Decimal("0.01"),
            min_price_increment=Decimal("0.0001"),
            min_base_amount_increment=Decimal("0.000001"),
            sell_order_collateral_token="COINALPHA",
        )
        text = repr(rule)
        self.assertTrue(text.startswith("TradingRule(trading_pair='COINALPHA-HBOT', min_order_size=0.01, "))
        for fragment in (
            "min_price_increment=0.0001",
            "min_base_amount_increment=0.000001",
            "supports_market_orders=True",
            "sell_order_collateral_token='COINALPHA'",
        ):
            self.assertIn(fragment, text)
        same = TradingRule(
            "COINALPHA-HBOT",
            min_order_size=Decimal("0.010"),
            min_price_increment=Decimal("0.0001"),
            min_base_amount_increment=Decimal("0.000001"),
            sell_order_collateral_token="COINALPHA",
        )
        self.assertEqual(rule, same)
        self.assertNotEqual(rule, TradingRule("COINALPHA-HBOT", min_order_size=Decimal("0.02")))
        self.assertNotEqual(repr(rule), repr(TradingRule("COINALPHA-HBOT")))

    def test_cancellation_result(self) -> None:
        result = CancellationResult("OID1", True)
        self.assertEqual(("OID1", True), tuple(result))
        self.assertEqual("OID1", result.order_id)
        self.assertTrue(result.success)


class FeeTests(unittest.TestCase):
    def test_token_amount_unpacks_and_round_trips(self) -> None:
        token, amount = TokenAmount("BNB", Decimal("0.5"))
        self.assertEqual(("BNB", Decimal("0.5")), (token, amount))
        self.assertEqual(TokenAmount("BNB", Decimal("0.5")), TokenAmount.from_json(TokenAmount("BNB", "0.5").to_json()))

    def test_schema_validation_and_coercion(self) -> None:
        with self.assertRaises(ValueError):
            TradeFeeSchema(percent_fee_token="BNB", buy_percent_fee_deducted_from_returns=True)
        schema = TradeFeeSchema(maker_percent_fee_decimal=0.001, taker_fixed_fees=[("USDT", "1.5")])
        self.assertEqual(Decimal("0.001"), schema.maker_percent_fee_decimal)
        self.assertIsInstance(schema.taker_percent_fee_decimal, Decimal)
        self.assertEqual([TokenAmount("USDT", Decimal("1.5"))], schema.taker_fixed_fees)

    def test_new_spot_fee_class_choice(self) -> None:
        plain = TradeFeeSchema()
        deducted = TradeFeeSchema(buy_percent_fee_deducted_from_returns=True)
        with_token = TradeFeeSchema(percent_fee_token="BNB")
        self.assertIsInstance(TradeFeeBase.new_spot_fee(plain, TradeType.BUY), AddedToCostTradeFee)
        self.assertIsInstance(TradeFeeBase.new_spot_fee(deducted, TradeType.BUY), DeductedFromReturnsTradeFee)
        self.assertIsInstance(TradeFeeBase.new_spot_fee(with_token, TradeType.BUY), AddedToCostTradeFee)
        self.assertIsInstance(TradeFeeBase.new_spot_fee(plain, TradeType.SELL), DeductedFromReturnsTradeFee)

    def test_new_perpetual_fee_class_choice(self) -> None:
        plain = TradeFeeSchema()
        self.assertIsInstance(TradeFeeBase.new_perpetual_fee(plain, PositionAction.OPEN), AddedToCostTradeFee)
        self.assertIsInstance(TradeFeeBase.new_perpetual_fee(plain, PositionAction.CLOSE), DeductedFromReturnsTradeFee)
        self.assertIsInstance(
            TradeFeeBase.new_perpetual_fee(TradeFeeSchema(percent_fee_token="BNB"), PositionAction.CLOSE),
            AddedToCostTradeFee,
        )

    def test_equality_includes_the_class(self) -> None:
        flat = [TokenAmount("HBOT", Decimal("10"))]
        self.assertEqual(AddedToCostTradeFee(flat_fees=flat), AddedToCostTradeFee(flat_fees=list(flat)))
        self.assertNotEqual(AddedToCostTradeFee(flat_fees=flat), DeductedFromReturnsTradeFee(flat_fees=flat))

    def test_fee_asset(self) -> None:
        self.assertEqual("BNB", AddedToCostTradeFee(percent=Decimal("0.1"), percent_token="BNB").fee_asset)
        self.assertEqual("HBOT", AddedToCostTradeFee(flat_fees=[TokenAmount("HBOT", Decimal(1))]).fee_asset)
        self.assertIsNone(AddedToCostTradeFee().fee_asset)

    def test_json_round_trip_keeps_class(self) -> None:
        for fee in (
            AddedToCostTradeFee(
                percent=Decimal("0.001"), percent_token="BNB", flat_fees=[TokenAmount("X", Decimal(1))]
            ),
            DeductedFromReturnsTradeFee(percent=Decimal("0.002")),
        ):
            data = fee.to_json()
            self.assertIn(data["fee_type"], ("AddedToCost", "DeductedFromReturns"))
            self.assertEqual(fee, TradeFeeBase.from_json(data))
        with self.assertRaises(ValueError):
            TradeFeeBase.from_json({"fee_type": "Bogus", "percent": "0"})

    def test_fee_amount_in_token_conversions(self) -> None:
        fee = DeductedFromReturnsTradeFee(
            percent=Decimal("0.01"), flat_fees=[TokenAmount("BTC", Decimal("0.001")), TokenAmount("USDT", Decimal(2))]
        )
        # percent: 2 BTC * 100 USDT * 1% = 2 USDT; flat: 0.001 BTC = 0.1 USDT, plus 2 USDT.
        self.assertEqual(Decimal("4.1"), fee.fee_amount_in_token("BTC-USDT", Decimal(100), Decimal(2), "USDT"))
        self.assertEqual(Decimal("0.041"), fee.fee_amount_in_token("BTC-USDT", Decimal(100), Decimal(2), "BTC"))
        wrapped = AddedToCostTradeFee(flat_fees=[TokenAmount("WETH", Decimal("0.5"))])
        self.assertEqual(Decimal("0.5"), wrapped.fee_amount_in_token("ETH-USDT", Decimal(3000), Decimal(1), "ETH"))
        with self.assertRaises(FeeConversionError) as ctx:
            AddedToCostTradeFee(flat_fees=[TokenAmount("BNB", Decimal(1))]).fee_amount_in_token(
                "BTC-USDT", Decimal(100), Decimal(1), "USDT"
            )
        self.assertIn("BNB", str(ctx.exception))

    def test_impact_on_cost_and_returns(self) -> None:
        args = ("BTC-USDT", Decimal(100), Decimal(1), "USDT")
        added = AddedToCostTradeFee(percent=Decimal("0.01"))
        deducted = DeductedFromReturnsTradeFee(percent=Decimal("0.01"))
        self.assertEqual(
            (Decimal(1), Decimal(0)),
            (added.get_fee_impact_on_order_cost(*args), added.get_fee_impact_on_order_returns(*args)),
        )
        self.assertEqual(
            (Decimal(0), Decimal(1)),
            (deducted.get_fee_impact_on_order_cost(*args), deducted.get_fee_impact_on_order_returns(*args)),
        )

    def test_build_trade_fee_uses_maker_side_for_limit_maker_or_is_maker(self) -> None:
        schema = TradeFeeSchema(
            maker_percent_fee_decimal=Decimal("0.001"),
            taker_percent_fee_decimal=Decimal("0.002"),
            maker_fixed_fees=[TokenAmount("HBOT", Decimal(1))],
        )
        taker = build_trade_fee(schema, False, OrderType.LIMIT, TradeType.BUY, Decimal(1), Decimal(10))
        self.assertEqual(AddedToCostTradeFee(percent=Decimal("0.002")), taker)
        maker = build_trade_fee(schema, False, OrderType.LIMIT_MAKER, TradeType.SELL, Decimal(1), Decimal(10))
        self.assertEqual(
            DeductedFromReturnsTradeFee(percent=Decimal("0.001"), flat_fees=[TokenAmount("HBOT", Decimal(1))]), maker
        )
        self.assertEqual(maker.percent, build_trade_fee(schema, True, OrderType.LIMIT, TradeType.BUY, 1, 1).percent)
        extra = build_trade_fee(
            schema, False, OrderType.MARKET, TradeType.BUY, 1, 1, extra_flat_fees=[TokenAmount("GAS", Decimal(3))]
        )
        self.assertEqual([TokenAmount("GAS", Decimal(3))], extra.flat_fees)
        perp = build_perpetual_trade_fee(schema, False, PositionAction.CLOSE, OrderType.LIMIT, TradeType.BUY, 1)
        self.assertIsInstance(perp, DeductedFromReturnsTradeFee)
        self.assertEqual(Decimal("0.002"), perp.percent)
