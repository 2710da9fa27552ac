"""The shared Gateway connector suite: every generated Gateway connector's test case inherits its tests from here.

Shaped like the spot suite (:mod:`hbrt.testing.exchange_connector_test`): the cases are nested in a holder class, so
test discovery does not collect them. A generated test picks the cases its DEX needs and supplies data only::

    class UniswapGatewayTests(GatewayConnectorTests.ApprovalTests, GatewayConnectorTests.LiquidityTests):
        connector_class = UniswapGateway
        examples = examples  # the spec's example module: pair, wallet, tokens, pools, prices, balances, replies
        trading_type_key = "uniswap_trading_type"

Every test runs the connector against a :class:`LoopbackGateway` (a real aiohttp server on 127.0.0.1) whose world is
built from the examples by :func:`example_world`; the connector's loops are sped up (:data:`FAST_INTERVALS`).
"""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from hbrt.event.events import MarketEvent
from hbrt.event.pubsub import EventLogger
from hbrt.gateway import GatewayHttpClient, GatewayLp, GatewaySwap, TradingType
from hbrt.gateway.common import connector_id
from hbrt.network_base import NetworkStatus
from hbrt.testing.gateway.server import LoopbackGateway
from hbrt.testing.gateway.world import Pool, World

#: Loop cadences of a connector under test (seconds): quick enough for a test to settle orders in a few ms.
FAST_INTERVALS: dict[str, float] = {
    "POLL_INTERVAL": 0.02,
    "NETWORK_CHECK_INTERVAL": 0.05,
    "NETWORK_ERROR_WAIT_TIME": 0.05,
    "INIT_RETRY_INTERVAL": 0.05,
    "SELF_TICK_INTERVAL": 0.02,
}


def fast(connector_class: type[GatewaySwap]) -> type[GatewaySwap]:
    """A subclass of ``connector_class`` with :data:`FAST_INTERVALS`."""
    return type(f"Fast{connector_class.__name__}", (connector_class,), dict(FAST_INTERVALS))


async def wait_for(condition: Callable[[], bool], what: str = "the condition", timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds (checked every 10 ms); fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        await asyncio.sleep(0.01)


def listen(connector: Any) -> dict[MarketEvent, EventLogger]:
    """An event logger on every market event of ``connector``."""
    loggers: dict[MarketEvent, EventLogger] = {}
    for tag in MarketEvent:
        loggers[tag] = EventLogger()
        connector.add_listener(tag, loggers[tag])
    return loggers


def example_world(connector_class: type[GatewaySwap], examples: Any) -> World:
    """Every network of the connector's DEX with the example tokens, prices and pools; the example wallet funded
    on the default network; the DEX listed with its trading types.

    ``examples`` has ``WALLET``, ``TOKENS`` (:class:`Token`), ``POOLS`` (type, pair, address, fee percent),
    ``PRICES`` (pair -> quote per base), ``BALANCES`` and ``GAS_FEE``.
    """
    dex, chain = connector_class.DEX or "", connector_class.CHAIN or ""
    default_type = connector_class.DEFAULT_TRADING_TYPE or connector_class.TRADING_TYPES[0]
    world = World()
    for network in connector_class.NETWORKS:
        world.add_network(
            chain,
            network,
            connector_class.NATIVE_CURRENCY or "",
            connector_id(dex, default_type),
            examples.GAS_FEE,
            examples.TOKENS,
            default=network == connector_class.DEFAULT_NETWORK,
        )
        for pair, price in examples.PRICES.items():
            base, quote = pair.split("-", 1)
            world.set_price(f"{chain}-{network}", base, quote, price)
        for kind, pool_pair, address, fee_pct in examples.POOLS:
            base, quote = pool_pair.split("-", 1)
            world.add_pool(Pool(dex, kind, network, base, quote, address, fee_pct))
    world.add_connector(dex, chain, [t.value for t in connector_class.TRADING_TYPES], connector_class.NETWORKS)
    world.set_default_wallet(chain, examples.WALLET)
    world.fund(f"{chain}-{connector_class.DEFAULT_NETWORK}", examples.WALLET, examples.BALANCES)
    return world


class GatewayConnectorTests:
    """Holder of the shared cases (not collected itself)."""

    class SwapTests(unittest.IsolatedAsyncioTestCase):
        """Quote, swaps settled from the execute reply or the poll, failures, no second execute, going offline."""

        connector_class: type[GatewaySwap]
        examples: Any  # the spec's example module
        #: The config key of the trading type (``<name>_trading_type``), for cases that need another one.
        trading_type_key: str
        AMOUNT: ClassVar[Decimal] = Decimal("0.1")

        async def asyncSetUp(self) -> None:
            self.pair: str = self.examples.EXAMPLE_PAIR
            self.base, self.quote = self.pair.split("-", 1)
            self.price: Decimal = self.examples.PRICES[self.pair]
            self.gateway = LoopbackGateway(example_world(self.connector_class, self.examples))
            await self.gateway.start()
            self.addAsyncCleanup(self.gateway.stop)  # cleanups run last first: connectors stop before the gateway
            self.connector = await self.start_connector()
            self.events = listen(self.connector)

        async def start_connector(self, trading_type: TradingType | None = None) -> Any:
            """A started, ready connector on the loopback Gateway (``trading_type``: another than the default)."""
            client = GatewayHttpClient(self.gateway.settings(), rate_limit_per_minute=100_000)
            settings: dict[str, Any] = {self.trading_type_key: trading_type.value} if trading_type else {}
            connector = fast(self.connector_class)(trading_pairs=[self.pair], gateway_client=client, **settings)
            self.addAsyncCleanup(connector.stop)
            await connector.start()
            await wait_for(lambda: connector.ready, "the connector to be ready")
            return connector

        # ---- helpers --------------------------------------------------------------------------------------------

        @property
        def native(self) -> str:
            return self.connector_class.NATIVE_CURRENCY or ""

        @property
        def chain_network(self) -> str:
            return f"{self.connector_class.CHAIN}-{self.connector_class.DEFAULT_NETWORK}"

        def log(self, tag: MarketEvent) -> list[Any]:
            return self.events[tag].event_log

        def executes(self) -> list[Any]:
            return self.gateway.calls("POST", "trading/swap/execute")

        def polls(self) -> list[Any]:
            return self.gateway.calls("POST", f"chains/{self.connector_class.CHAIN}/poll")

        async def settled(self, order_id: str) -> None:
            tags = (MarketEvent.BuyOrderCompleted, MarketEvent.SellOrderCompleted, MarketEvent.OrderFailure)
            await wait_for(lambda: any(e.order_id == order_id for t in tags for e in self.log(t)), order_id)

        def fees(self, fill: Any) -> list[tuple[str, Decimal]]:
            return [(fee.token, fee.amount) for fee in fill.trade_fee.flat_fees]

        # ---- tests ----------------------------------------------------------------------------------------------

        async def test_starts_from_gateway_facts(self) -> None:
            cls, connector = self.connector_class, self.connector
            self.assertEqual(f"{cls.DEX}_{cls.CHAIN}_{cls.DEFAULT_NETWORK}", connector.name)
            default_type = cls.DEFAULT_TRADING_TYPE or cls.TRADING_TYPES[0]
            self.assertEqual(connector_id(cls.DEX or "", default_type), connector.connector_name)
            self.assertEqual((self.examples.WALLET, self.native), (connector.address, connector.native_currency))
            decimals = {token.symbol: token.decimals for token in self.examples.TOKENS}
            quantum = Decimal(1).scaleb(-min(decimals[self.base], decimals[self.quote]))
            self.assertEqual(quantum, connector.get_order_size_quantum(self.pair, Decimal(1)))
            for token in (self.base, self.quote, self.native):
                self.assertEqual(self.examples.BALANCES.get(token, Decimal(0)), connector.get_balance(token))
            fee = connector.network_transaction_fee
            self.assertEqual((self.native, self.examples.GAS_FEE), (fee.token, fee.amount) if fee else None)

        async def test_quote(self) -> None:
            reply: Mapping[str, Any] | None = self.examples.QUOTE_REPLY
            expected = self.price
            if reply is not None:  # the spec's example reply, as Gateway sends it
                self.gateway.answer_next("trading/swap/quote", reply)
                expected = Decimal(str(reply["price"]))
            self.assertEqual(expected, await self.connector.get_quote_price(self.pair, False, self.AMOUNT))
            sent = self.gateway.calls("GET", "trading/swap/quote")[0]
            self.assertEqual(
                (self.chain_network, self.base, self.quote, "SELL"),
                (sent["chainNetwork"], sent["baseToken"], sent["quoteToken"], sent["side"]),
            )

        async def test_buy_pending_then_confirmed_is_filled_with_the_native_fee(self) -> None:
            self.gateway.plan("pending", polls=2)
            order_id = self.connector.buy(self.pair, self.AMOUNT)
            await self.settled(order_id)
            self.assertEqual(1, len(self.executes()))
            self.assertGreaterEqual(len(self.polls()), 2)
            self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.BuyOrderCreated)])
            fill = self.log(MarketEvent.OrderFilled)[0]
            self.assertEqual((self.AMOUNT, self.price), (fill.amount, fill.price))
            self.assertEqual([(self.native, self.examples.GAS_FEE)], self.fees(fill))
            expected = dict(self.examples.BALANCES)
            expected[self.base] = expected.get(self.base, Decimal(0)) + self.AMOUNT
            expected[self.quote] = expected.get(self.quote, Decimal(0)) - self.AMOUNT * self.price
            expected[self.native] = expected.get(self.native, Decimal(0)) - self.examples.GAS_FEE
            await wait_for(lambda: self.connector.get_balance(self.base) == expected[self.base], "balances updated")
            for token in (self.base, self.quote, self.native):
                self.assertEqual(expected[token], self.connector.get_balance(token), token)

        async def test_sell_confirmed_in_the_execute_reply(self) -> None:
            reply: Mapping[str, Any] | None = self.examples.EXECUTE_REPLY
            if reply is not None:  # the spec's example reply, as Gateway sends it
                self.gateway.answer_next("trading/swap/execute", reply)
            order_id = self.connector.sell(self.pair, self.AMOUNT)
            await self.settled(order_id)
            fill = self.log(MarketEvent.OrderFilled)[0]
            fee = Decimal(str(reply["data"]["fee"])) if reply is not None else self.examples.GAS_FEE
            self.assertEqual([(self.native, fee)], self.fees(fill))
            if reply is not None:
                self.assertEqual(reply["signature"], fill.exchange_trade_id)
            else:
                self.assertEqual((self.AMOUNT, self.price), (fill.amount, fill.price))
            self.assertEqual([], self.polls())

        async def test_poll_reply_settles_a_pending_swap(self) -> None:
            poll: Mapping[str, Any] | None = self.examples.POLL_REPLY
            if poll is not None:  # the spec's example poll reply settles a swap whose execute was pending
                self.gateway.answer_next("trading/swap/execute", {"signature": poll["signature"], "status": 0})
                self.gateway.answer_next(f"chains/{self.connector_class.CHAIN}/poll", poll)
            else:
                self.gateway.plan("pending", polls=1)
            order_id = self.connector.sell(self.pair, self.AMOUNT)
            await self.settled(order_id)
            fill = self.log(MarketEvent.OrderFilled)[0]
            reported = poll.get("fee") if poll is not None else None
            fee = Decimal(str(reported)) if reported is not None else self.examples.GAS_FEE  # else the gas estimate
            self.assertEqual([(self.native, fee)], self.fees(fill))
            self.assertEqual((self.AMOUNT, self.price), (fill.amount, fill.price))

        async def test_failed_transaction_fails_the_order(self) -> None:
            self.gateway.plan("pending", fate="fail")
            order_id = self.connector.sell(self.pair, self.AMOUNT)
            await self.settled(order_id)
            self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.OrderFailure)])
            self.assertEqual([order_id], [e.order_id for e in self.log(MarketEvent.TransactionFailure)])
            self.assertEqual([], self.log(MarketEvent.OrderFilled))

        async def test_timed_out_execute_is_not_sent_again(self) -> None:
            self.gateway.fail_next(
                "trading/swap/execute", 504, "Transaction failed to confirm", code="TRANSACTION_TIMEOUT"
            )
            order_id = self.connector.sell(self.pair, self.AMOUNT)
            await self.settled(order_id)
            self.assertEqual("TRANSACTION_TIMEOUT", self.log(MarketEvent.OrderFailure)[0].error_type)
            self.assertEqual(1, len(self.executes()))

        async def test_saved_pending_swap_is_settled_after_a_restart(self) -> None:
            self.gateway.plan("pending", polls=3)
            order_id = self.connector.sell(self.pair, self.AMOUNT)
            await wait_for(lambda: bool(self.polls()), "the swap to be polled")
            saved = self.connector.tracking_states
            await self.connector.stop()
            restarted = await self.start_connector()
            events = listen(restarted)
            restarted.restore_tracking_states(saved)
            await wait_for(lambda: bool(events[MarketEvent.SellOrderCompleted].event_log), "the restored swap to fill")
            self.assertEqual([order_id], [e.order_id for e in events[MarketEvent.OrderFilled].event_log])
            self.assertEqual(1, len(self.executes()))

        async def test_gateway_offline_then_recovery(self) -> None:
            await self.gateway.go_offline()
            await wait_for(lambda: self.connector.network_status == NetworkStatus.NOT_CONNECTED, "not connected")
            await self.gateway.go_online()
            await wait_for(lambda: self.connector.network_status == NetworkStatus.CONNECTED, "connected again")
            await self.connector.wait_until_initialized(5)
            order_id = self.connector.sell(self.pair, self.AMOUNT)
            await self.settled(order_id)
            self.assertEqual(1, len(self.log(MarketEvent.OrderFilled)))

    class ApprovalTests(SwapTests):
        """Swaps on a chain with token allowances (EVM): approvals and what a restart keeps of them."""

        async def asyncSetUp(self) -> None:
            await super().asyncSetUp()
            for token in (self.base, self.quote):  # approvals confirmed before the test (test_approval: the flow)
                if token != self.native:
                    self.gateway.world.approve(self.chain_network, self.examples.WALLET, token)

        def unapproved_token(self) -> str:
            symbols: list[str] = [token.symbol for token in self.examples.TOKENS]
            return next(s for s in symbols if s not in (self.base, self.quote, self.native))

        async def test_approval(self) -> None:
            token = self.unapproved_token()
            self.assertEqual({token: Decimal(0)}, await self.connector.get_allowances([token]))
            order_id = await self.connector.approve_token(token)
            await wait_for(lambda: not self.connector.is_approval_pending(token), "approval confirmed")
            self.assertNotIn(order_id, self.connector.in_flight_orders)
            self.assertGreater((await self.connector.get_allowances([token]))[token], Decimal(0))
            body = self.gateway.calls("POST", f"chains/{self.connector_class.CHAIN}/approve")[0]
            self.assertEqual(self.connector.connector_name, body["spender"])

        async def test_pending_approval_is_restored_after_a_restart(self) -> None:
            token = self.unapproved_token()
            self.gateway.plan("pending", polls=3)
            order_id = await self.connector.approve_token(token)
            saved = self.connector.tracking_states
            await self.connector.stop()
            restarted = await self.start_connector()
            restarted.restore_tracking_states(saved)
            self.assertTrue(restarted.is_approval_pending(token))  # no second approval is needed
            await wait_for(lambda: not restarted.is_approval_pending(token), "the restored approval to confirm")
            self.assertNotIn(order_id, restarted.in_flight_orders)
            self.assertGreater((await restarted.get_allowances([token]))[token], Decimal(0))
            self.assertEqual(1, len(self.gateway.calls("POST", f"chains/{self.connector_class.CHAIN}/approve")))

    class LiquidityTests(SwapTests):
        """Pools of the example pair, and liquidity added and removed on each pool type of the DEX."""

        def pool_of(self, kind: TradingType) -> tuple[str, str, str, Decimal] | None:
            return next((p for p in self.examples.POOLS if p[0] == kind.value and p[1] == self.pair), None)

        async def lp_connector(self, kind: TradingType) -> GatewayLp:
            if kind not in self.connector_class.TRADING_TYPES or self.pool_of(kind) is None:
                self.skipTest(f"the spec's examples have no {kind.value} pool of {self.pair}")
            connector: GatewayLp = self.connector
            if connector.lp_trading_type != kind:
                connector = await self.start_connector(kind)
                self.events = listen(connector)
            self.assertEqual(kind, connector.lp_trading_type)
            return connector

        async def test_pool_of_the_example_pair(self) -> None:
            connector: GatewayLp = self.connector
            pool = self.pool_of(connector.lp_trading_type)
            assert pool is not None, f"the spec's examples need a {connector.lp_trading_type.value} pool"
            info = await connector.get_pool_info(self.pair)
            self.assertEqual((pool[2], float(pool[3])), (info["address"], info["feePct"]))

        async def test_amm_liquidity_added_then_removed(self) -> None:
            connector = await self.lp_connector(TradingType.AMM)
            start = {token: connector.get_balance(token) for token in (self.base, self.quote)}
            quote_amount = self.AMOUNT * self.price
            connector.add_liquidity(self.pair, self.AMOUNT, quote_amount)
            await wait_for(lambda: bool(self.log(MarketEvent.RangePositionLiquidityAdded)), "liquidity added")
            added = self.log(MarketEvent.RangePositionLiquidityAdded)[0]
            self.assertEqual((self.AMOUNT, quote_amount), (added.base_amount, added.quote_amount))
            position = await connector.get_position_info(self.pair)
            self.assertEqual(
                (float(self.AMOUNT), float(quote_amount)), (position["baseTokenAmount"], position["quoteTokenAmount"])
            )
            await wait_for(lambda: connector.get_balance(self.base) == start[self.base] - self.AMOUNT, "base moved")
            connector.remove_liquidity(self.pair, Decimal(40))
            await wait_for(lambda: bool(self.log(MarketEvent.RangePositionLiquidityRemoved)), "liquidity removed")
            removed = self.log(MarketEvent.RangePositionLiquidityRemoved)[0]
            self.assertEqual(self.AMOUNT * Decimal("0.4"), removed.base_amount)
            self.assertEqual([(self.native, self.examples.GAS_FEE)], self.fees(removed))
            bodies = self.gateway.calls("POST", f"connectors/{self.connector_class.DEX}/amm/remove-liquidity")
            self.assertEqual(
                [(40, self.examples.WALLET)], [(b["percentageToRemove"], b["walletAddress"]) for b in bodies]
            )
            position = await connector.get_position_info(self.pair)
            self.assertAlmostEqual(float(self.AMOUNT) * 0.6, position["baseTokenAmount"])

        async def test_clmm_position_opened_added_to_fees_collected_and_closed(self) -> None:
            connector = await self.lp_connector(TradingType.CLMM)
            low, high = self.price * Decimal("0.9"), self.price * Decimal("1.1")
            connector.add_liquidity(self.pair, self.AMOUNT, self.AMOUNT * self.price, low, high)
            await wait_for(lambda: bool(self.log(MarketEvent.RangePositionLiquidityAdded)), "position opened")
            address = self.log(MarketEvent.RangePositionLiquidityAdded)[0].position_address
            self.assertEqual([address], [p["address"] for p in await connector.get_user_positions()])
            connector.add_liquidity(self.pair, self.AMOUNT, self.AMOUNT * self.price, position_address=address)
            await wait_for(lambda: len(self.log(MarketEvent.RangePositionLiquidityAdded)) == 2, "liquidity added")
            self.assertEqual(address, self.log(MarketEvent.RangePositionLiquidityAdded)[1].position_address)
            info = await connector.get_position_info(position_address=address)
            self.assertEqual(float(2 * self.AMOUNT), info["baseTokenAmount"])
            base_fee, quote_fee = self.AMOUNT / 100, self.AMOUNT * self.price / 100
            self.gateway.world.accrue_fees(address, base_fee, quote_fee)  # the position earns trading fees
            before = connector.get_balance(self.base)
            connector.collect_fees(self.pair, address)
            await wait_for(lambda: bool(self.log(MarketEvent.RangePositionFeeCollected)), "fees collected")
            collected = self.log(MarketEvent.RangePositionFeeCollected)[0]
            self.assertEqual(
                (address, base_fee, quote_fee),
                (collected.position_address, collected.base_fee_amount, collected.quote_fee_amount),
            )
            self.assertEqual([(self.native, self.examples.GAS_FEE)], self.fees(collected))
            gas = self.examples.GAS_FEE if self.base == self.native else Decimal(0)
            await wait_for(
                lambda: connector.get_balance(self.base) == before + base_fee - gas, "the fees in the wallet"
            )
            info = await connector.get_position_info(position_address=address)
            self.assertEqual(
                (0.0, 0.0, float(2 * self.AMOUNT)),
                (info["baseFeeAmount"], info["quoteFeeAmount"], info["baseTokenAmount"]),
            )
            connector.remove_liquidity(self.pair, position_address=address)
            await wait_for(lambda: bool(self.log(MarketEvent.RangePositionLiquidityRemoved)), "position closed")
            self.assertEqual(2 * self.AMOUNT, self.log(MarketEvent.RangePositionLiquidityRemoved)[0].base_amount)
            self.assertEqual([], await connector.get_user_positions())
