"""Gateway connectors end to end against the loopback Gateway, over real sockets, one chain per class.

Each chain: quote -> swap -> pending -> confirmed -> filled with the fee in the native currency and balances
updated; a failed transaction -> order failure; a pending execute never produces a second swap; Gateway offline ->
network not connected, then recovery.
"""

from __future__ import annotations

import sys
import unittest
from decimal import Decimal
from pathlib import Path
from typing import Any

from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import OrderState
from hbrt.event.events import MarketEvent
from hbrt.gateway.gateway_in_flight_order import GatewayInFlightOrder
from hbrt.network_base import NetworkStatus
from hbrt.testing.gateway import LoopbackGateway

sys.path.insert(0, str(Path(__file__).parent))  # pytest runs with --import-mode=importlib
from gateway_test_support import EthereumDex, SolanaRouter, client_for, listen, wait_for  # noqa: E402


class _ChainCase(unittest.IsolatedAsyncioTestCase):
    connector_class: Any
    pair: str

    async def asyncSetUp(self) -> None:
        self.gateway = LoopbackGateway()
        await self.gateway.start()
        self.connector = self.connector_class(trading_pairs=[self.pair], gateway_client=client_for(self.gateway))
        self.events = listen(self.connector)
        await self.connector.start()
        await wait_for(lambda: self.connector.ready, what="connector ready")

    async def asyncTearDown(self) -> None:
        await self.connector.stop()
        await self.gateway.stop()

    def executes(self) -> list[Any]:
        return self.gateway.calls("POST", "trading/swap/execute")

    def log(self, tag: MarketEvent) -> list[Any]:
        return self.events[tag].event_log

    async def wait_done(self, order_id: str) -> None:
        await wait_for(
            lambda: (
                any(e.order_id == order_id for e in self.log(MarketEvent.BuyOrderCompleted))
                or any(e.order_id == order_id for e in self.log(MarketEvent.SellOrderCompleted))
                or any(e.order_id == order_id for e in self.log(MarketEvent.OrderFailure))
            ),
            what=f"{order_id} settled",
        )


class EthereumEndToEndTests(_ChainCase):
    connector_class = EthereumDex
    pair = "WETH-USDC"

    async def asyncSetUp(self) -> None:
        await super().asyncSetUp()
        self.gateway.world.approve("ethereum-mainnet", self.connector.address, "WETH")  # sells need no approval step

    async def test_resolution_and_readiness(self) -> None:
        connector = self.connector
        self.assertEqual("uniswap_ethereum_mainnet", connector.name)
        self.assertEqual("uniswap/router", connector.connector_name)
        self.assertEqual("0x8f3Cf7ad23Cd3CaDbD9735AFf958023239c6A063", connector.address)
        self.assertEqual("ETH", connector.native_currency)
        self.assertEqual(
            {"account_balance": True, "native_currency": True, "network_transaction_fee": True}, connector.status_dict
        )
        self.assertEqual(Decimal("1e-6"), connector.get_order_size_quantum("WETH-USDC", Decimal(1)))
        self.assertEqual(Decimal("3"), connector.get_balance("WETH"))
        self.assertEqual(Decimal("0.00081"), connector.network_transaction_fee.amount)

    async def test_approve_quote_buy_pending_confirmed_filled(self) -> None:
        connector = self.connector
        self.assertEqual({"USDC": Decimal(0)}, await connector.get_allowances(["USDC"]))
        approval = await connector.approve_token("USDC")
        await wait_for(lambda: connector.get_order(approval).current_state == OrderState.APPROVED, what="approval")
        self.assertNotIn(approval, connector.in_flight_orders)
        self.assertGreater((await connector.get_allowances(["USDC"]))["USDC"], Decimal(10**30))
        self.assertEqual(
            {"network": "mainnet", "address": connector.address, "token": "USDC", "spender": "uniswap/router"},
            self.gateway.calls("POST", "chains/ethereum/approve")[0],
        )

        price = await connector.get_quote_price(self.pair, True, Decimal("0.5"))
        self.assertEqual(Decimal("3224.8"), price)
        self.gateway.plan("pending", polls=2)
        order_id = connector.buy(self.pair, Decimal("0.5"))
        await wait_for(
            lambda: (o := connector.get_order(order_id)) is not None and o.exchange_order_id is not None,
            what="transaction hash",
        )
        order = connector.get_order(order_id)
        self.assertEqual(OrderState.OPEN, order.current_state)
        self.assertEqual(1, len(self.log(MarketEvent.BuyOrderCreated)))
        await self.wait_done(order_id)

        self.assertEqual(1, len(self.executes()))
        self.assertEqual(
            {
                "chainNetwork": "ethereum-mainnet",
                "connector": "uniswap/router",
                "baseToken": "WETH",
                "quoteToken": "USDC",
                "amount": 0.5,
                "side": "BUY",
                "walletAddress": connector.address,
            },
            self.executes()[0],
        )
        fill = self.log(MarketEvent.OrderFilled)[0]
        self.assertEqual(Decimal("0.5"), fill.amount)
        self.assertEqual(Decimal("3224.8"), fill.price)
        self.assertEqual(order.exchange_order_id, fill.exchange_trade_id)
        # Ethereum's poll reports no fee: the gas estimate stands in, in ETH (never the base asset).
        self.assertEqual([("ETH", Decimal("0.00081"))], [tuple(f) for f in fill.trade_fee.flat_fees])
        await wait_for(lambda: connector.get_balance("WETH") == Decimal("3.5"), what="balances updated")
        self.assertEqual(Decimal("10000") - Decimal("1612.4"), connector.get_balance("USDC"))
        self.assertEqual(Decimal("2") - 2 * Decimal("0.00081"), connector.get_balance("ETH"))

    async def test_fill_from_a_confirmed_execute_reply(self) -> None:
        order_id = self.connector.sell(self.pair, Decimal("1"))
        await self.wait_done(order_id)
        fill = self.log(MarketEvent.OrderFilled)[0]
        self.assertEqual((Decimal("1"), Decimal("3224.8")), (fill.amount, fill.price))
        self.assertEqual([("ETH", Decimal("0.00081"))], [tuple(f) for f in fill.trade_fee.flat_fees])
        self.assertEqual([], self.gateway.calls("POST", "chains/ethereum/poll"))

    async def test_failed_execute_fails_the_order(self) -> None:
        self.gateway.plan("failed")
        order_id = self.connector.sell(self.pair, Decimal("1"))
        await self.wait_done(order_id)
        failure = self.log(MarketEvent.OrderFailure)[0]
        self.assertEqual(order_id, failure.order_id)
        self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.TransactionFailure)])
        self.assertEqual([], self.log(MarketEvent.OrderFilled))

    async def test_gateway_error_fails_without_resending(self) -> None:
        self.gateway.fail_next(
            "trading/swap/execute", 504, "Transaction failed to confirm after 10 attempts", code="TRANSACTION_TIMEOUT"
        )
        order_id = self.connector.sell(self.pair, Decimal("1"))
        await self.wait_done(order_id)
        failure = self.log(MarketEvent.OrderFailure)[0]
        self.assertEqual("TRANSACTION_TIMEOUT", failure.error_type)
        self.assertEqual(1, len(self.executes()))

    async def test_insufficient_allowance_is_reported(self) -> None:
        order_id = self.connector.buy(self.pair, Decimal("0.1"))
        await self.wait_done(order_id)
        self.assertIn("allowance", self.log(MarketEvent.OrderFailure)[0].error_message)

    async def test_offline_then_recovery(self) -> None:
        await self.gateway.go_offline()
        await wait_for(lambda: self.connector.network_status == NetworkStatus.NOT_CONNECTED, what="not connected")
        self.assertFalse(self.connector.gateway_client.is_online)
        await self.gateway.go_online()
        await wait_for(lambda: self.connector.network_status == NetworkStatus.CONNECTED, what="connected again")
        await self.connector.wait_until_initialized(5)
        order_id = self.connector.sell(self.pair, Decimal("1"))
        await self.wait_done(order_id)
        self.assertEqual(1, len(self.log(MarketEvent.OrderFilled)))

    async def test_liquidity_open_read_close(self) -> None:
        connector = self.connector
        self.assertEqual("uniswap/clmm", connector.lp_connector)
        info = await connector.get_pool_info(self.pair)
        self.assertEqual("0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640", info["address"])
        order_id = connector.add_liquidity(self.pair, Decimal("1"), Decimal("3000"), Decimal("3000"), Decimal("3500"))
        await wait_for(lambda: bool(self.log(MarketEvent.RangePositionLiquidityAdded)), what="liquidity added")
        added = self.log(MarketEvent.RangePositionLiquidityAdded)[0]
        self.assertEqual(
            (order_id, Decimal("1"), Decimal("3000")), (added.order_id, added.base_amount, added.quote_amount)
        )
        positions = await connector.get_user_positions()
        self.assertEqual([added.position_address], [p["address"] for p in positions])
        connector.remove_liquidity(self.pair, position_address=added.position_address)
        await wait_for(lambda: bool(self.log(MarketEvent.RangePositionLiquidityRemoved)), what="liquidity removed")
        self.assertEqual([], await connector.get_user_positions())
        closes = self.gateway.calls("POST", "connectors/uniswap/clmm/close-position")
        self.assertEqual([added.position_address], [body["positionAddress"] for body in closes])

    async def test_reverted_swap_is_filled_then_balances_show_the_truth(self) -> None:
        # The known limit (docs/runtime.md): Gateway's Ethereum poll says txStatus 1 for a mined transaction whatever
        # its receipt status, and carries no receipt, so a swap that reverts after a pending execute is filled at
        # the quoted amounts. The balance refresh after it settles shows that only the gas left the wallet.
        self.gateway.plan("pending", fate="revert", polls=1)
        order_id = self.connector.sell(self.pair, Decimal("0.5"))
        await self.wait_done(order_id)
        self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.OrderFilled)])
        await wait_for(lambda: self.connector.get_balance("ETH") == Decimal("2") - Decimal("0.00081"), what="gas")
        self.assertEqual(
            (Decimal("3"), Decimal("10000")), (self.connector.get_balance("WETH"), self.connector.get_balance("USDC"))
        )

    async def test_amm_connector_adds_and_removes_pool_liquidity(self) -> None:
        # A uniswap/amm connector provides AMM liquidity (the LP type follows the trading type when it has pools).
        amm = EthereumDex(trading_pairs=[self.pair], gateway_client=client_for(self.gateway), trading_type="amm")
        self.addAsyncCleanup(amm.stop)
        events = listen(amm)
        await amm.start()
        await wait_for(lambda: amm.ready, what="amm connector ready")
        self.assertEqual(("uniswap/amm", "uniswap/amm"), (amm.connector_name, amm.lp_connector))
        amm.add_liquidity(self.pair, Decimal("1"), Decimal("3224.8"))
        await wait_for(lambda: bool(events[MarketEvent.RangePositionLiquidityAdded].event_log), what="added")
        added = events[MarketEvent.RangePositionLiquidityAdded].event_log[0]
        self.assertEqual(
            ("", Decimal("1"), Decimal("3224.8")), (added.position_address, added.base_amount, added.quote_amount)
        )
        body = self.gateway.calls("POST", "connectors/uniswap/amm/add-liquidity")[0]
        self.assertEqual("0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc", body["poolAddress"])
        position = await amm.get_position_info(self.pair)
        self.assertEqual((1.0, 3224.8), (position["baseTokenAmount"], position["quoteTokenAmount"]))
        amm.remove_liquidity(self.pair, Decimal(25))
        await wait_for(lambda: bool(events[MarketEvent.RangePositionLiquidityRemoved].event_log), what="removed")
        removed = events[MarketEvent.RangePositionLiquidityRemoved].event_log[0]
        self.assertEqual((Decimal("0.25"), Decimal("806.2")), (removed.base_amount, removed.quote_amount))
        self.assertAlmostEqual(0.75, (await amm.get_position_info(self.pair))["baseTokenAmount"])
        await wait_for(lambda: amm.get_balance("WETH") == Decimal("2.25"), what="balances after liquidity")

    async def test_failed_liquidity_transaction_reports_the_update_failure(self) -> None:
        self.gateway.plan("pending", fate="fail")
        order_id = self.connector.add_liquidity(
            self.pair, Decimal("1"), Decimal("3000"), Decimal("3000"), Decimal("3500")
        )
        await wait_for(lambda: bool(self.log(MarketEvent.RangePositionUpdateFailure)), what="update failure")
        failure = self.log(MarketEvent.RangePositionUpdateFailure)[0]
        self.assertEqual((order_id, "ADD"), (failure.order_id, failure.order_action))
        self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.OrderFailure)])
        self.assertEqual([], self.log(MarketEvent.RangePositionLiquidityAdded))

    async def test_fees_of_a_closed_position_cannot_be_collected(self) -> None:
        order_id = self.connector.collect_fees(self.pair, "0x" + "ab" * 20)  # Gateway answers 404: no such position
        await wait_for(lambda: bool(self.log(MarketEvent.RangePositionUpdateFailure)), what="update failure")
        failure = self.log(MarketEvent.RangePositionUpdateFailure)[0]
        self.assertEqual((order_id, "COLLECT"), (failure.order_id, failure.order_action))
        self.assertEqual([], self.log(MarketEvent.RangePositionFeeCollected))

    async def test_liquidity_arguments_are_checked_before_anything_is_sent(self) -> None:
        with self.assertRaises(ValueError):  # a new CLMM position needs its price range
            self.connector.add_liquidity(self.pair, Decimal("1"), Decimal("3000"))
        with self.assertRaises(ValueError):  # a CLMM position is removed by its address
            self.connector.remove_liquidity(self.pair)
        amm = EthereumDex(trading_pairs=[self.pair], gateway_client=client_for(self.gateway), lp_trading_type="amm")
        with self.assertRaises(ValueError):  # an AMM position has no address
            amm.add_liquidity(self.pair, Decimal("1"), Decimal("3000"), position_address="0xabc")
        with self.assertRaises(ValueError):  # AMM fees come out with the liquidity
            amm.collect_fees(self.pair, "0xabc")
        await amm.stop()
        self.assertEqual([], self.gateway.calls("POST", "connectors/uniswap/clmm/open-position"))

    async def test_restored_order_without_a_transaction_hash_fails(self) -> None:
        order = GatewayInFlightOrder(
            client_order_id="buy-WETH-USDC-1",
            trading_pair=self.pair,
            order_type=OrderType.AMM_SWAP,
            trade_type=TradeType.BUY,
            amount=Decimal("0.1"),
            price=Decimal("3224.8"),
            creation_timestamp=1.0,
            initial_state=OrderState.OPEN,
        )
        saved = {order.client_order_id: order.to_json()}  # saved while its execute was running: no hash yet
        self.connector.restore_tracking_states(saved)
        await wait_for(lambda: bool(self.log(MarketEvent.OrderFailure)), what="the restored order to fail")
        failure = self.log(MarketEvent.OrderFailure)[0]
        self.assertEqual(("buy-WETH-USDC-1", "TransactionUnknown"), (failure.order_id, failure.error_type))
        self.assertIn("may have been sent", failure.error_message)
        self.assertEqual([], self.executes())


class SolanaEndToEndTests(_ChainCase):
    connector_class = SolanaRouter
    pair = "SOL-USDC"

    async def test_sell_confirmed_in_reply_corrects_the_native_leg(self) -> None:
        order_id = self.connector.sell(self.pair, Decimal("1"))
        await self.wait_done(order_id)
        fill = self.log(MarketEvent.OrderFilled)[0]
        # Gateway reports amountIn 1.000105 SOL (the fee included); the fill shows the 1 SOL traded, the fee apart.
        self.assertEqual(Decimal("1"), fill.amount)
        self.assertEqual(Decimal("145.2"), fill.price)
        self.assertEqual([("SOL", Decimal("0.000105"))], [tuple(f) for f in fill.trade_fee.flat_fees])
        await wait_for(lambda: self.connector.get_balance("USDC") == Decimal("5145.2"), what="balances updated")
        self.assertEqual(Decimal("25") - Decimal("1.000105"), self.connector.get_balance("SOL"))

    async def test_buy_pending_confirmed_by_poll_with_its_fee(self) -> None:
        self.gateway.plan("pending", polls=3)
        order_id = self.connector.buy(self.pair, Decimal("2"))
        await self.wait_done(order_id)
        self.assertEqual(1, len(self.executes()))
        self.assertGreaterEqual(len(self.gateway.calls("POST", "chains/solana/poll")), 3)
        fill = self.log(MarketEvent.OrderFilled)[0]
        self.assertEqual((Decimal("2"), Decimal("145.2")), (fill.amount, fill.price))
        self.assertEqual([("SOL", Decimal("0.000105"))], [tuple(f) for f in fill.trade_fee.flat_fees])
        await wait_for(
            lambda: self.connector.get_balance("SOL") == Decimal("27") - Decimal("0.000105"), what="balances updated"
        )

    async def test_transaction_failing_on_chain_fails_the_order(self) -> None:
        self.gateway.plan("pending", fate="fail", polls=1)
        order_id = self.connector.sell(self.pair, Decimal("1"))
        await self.wait_done(order_id)
        self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.OrderFailure)])
        self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.TransactionFailure)])
        self.assertEqual(1, len(self.executes()))

    async def test_unconfirmed_execute_reply_is_decided_by_the_poll(self) -> None:
        # Solana's execute answers -1 for "exists but unconfirmed"; the poll, not the reply, decides.
        self.gateway.plan("failed")
        order_id = self.connector.sell(self.pair, Decimal("1"))
        await self.wait_done(order_id)
        self.assertGreaterEqual(len(self.gateway.calls("POST", "chains/solana/poll")), 1)
        self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.TransactionFailure)])

    async def test_transaction_never_seen_is_failed_eventually(self) -> None:
        self.connector.TRANSACTION_UNKNOWN_TIMEOUT = 0.1
        self.gateway.plan("pending", fate="lost")
        order_id = self.connector.sell(self.pair, Decimal("1"))
        await self.wait_done(order_id)
        failure = self.log(MarketEvent.OrderFailure)[0]
        self.assertEqual("TransactionNotFound", failure.error_type)
        self.assertEqual(1, len(self.executes()))

    async def test_offline_then_recovery(self) -> None:
        await self.gateway.go_offline()
        await wait_for(lambda: self.connector.network_status == NetworkStatus.NOT_CONNECTED, what="not connected")
        await self.gateway.go_online()
        await wait_for(lambda: self.connector.network_status == NetworkStatus.CONNECTED, what="connected again")
        await self.connector.wait_until_initialized(5)
        self.assertTrue(self.connector.ready)

    async def test_reverted_swap_fails_the_order(self) -> None:
        self.gateway.plan("pending", fate="revert", polls=1)  # Solana's poll reports the error (meta.err) as -1
        order_id = self.connector.sell(self.pair, Decimal("1"))
        await self.wait_done(order_id)
        self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.TransactionFailure)])
        self.assertEqual([], self.log(MarketEvent.OrderFilled))

    async def test_no_allowances_on_solana(self) -> None:
        with self.assertRaises(ValueError):
            await self.connector.approve_token("USDC")
