"""The loopback Gateway answers with Gateway's shapes (gateway.md §1-§3); plus the gateway naming helpers."""

from __future__ import annotations

import unittest
from decimal import Decimal
from typing import Any

import aiohttp
from hbrt.data_type.common import OrderType, TradeType
from hbrt.data_type.in_flight_order import OrderState
from hbrt.gateway import GatewayInFlightOrder, GatewayOrderTracker, TradingType, split_chain_network, split_connector_id
from hbrt.testing.gateway import LoopbackGateway


class NamingTests(unittest.TestCase):
    def test_chain_network_splits_at_the_first_dash(self) -> None:
        self.assertEqual(("solana", "mainnet-beta"), split_chain_network("solana-mainnet-beta"))
        with self.assertRaises(ValueError):
            split_chain_network("solana")

    def test_connector_ids(self) -> None:
        self.assertEqual(("uniswap", TradingType.AMM), split_connector_id("uniswap/amm"))
        for bad in ("uniswap", "uniswap/swap", "/amm"):
            with self.assertRaises(ValueError):
                split_connector_id(bad)

    def test_order_json_round_trip_keeps_the_gateway_fields(self) -> None:
        order = GatewayInFlightOrder(
            "buy-SOL-USDC-1",
            "SOL-USDC",
            OrderType.AMM_SWAP,
            TradeType.BUY,
            Decimal("2"),
            1.0,
            price=Decimal("145.2"),
            exchange_order_id="5VER",
            fee_asset="SOL",
            nonce=7,
        )
        order.gas_cost = Decimal("0.000105")
        tracker = GatewayOrderTracker(connector=None, lost_order_count_limit=10)  # type: ignore[arg-type]
        tracker.restore_tracking_states({"x": order.to_json()})
        restored = tracker.fetch_order("buy-SOL-USDC-1")
        assert isinstance(restored, GatewayInFlightOrder)
        self.assertEqual(
            ("SOL", 7, Decimal("0.000105"), "5VER"),
            (restored.fee_asset, restored.nonce, restored.gas_cost, restored.transaction_hash),
        )
        self.assertEqual(OrderState.PENDING_CREATE, restored.current_state)


class LoopbackShapeTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.gateway = LoopbackGateway()
        await self.gateway.start()
        self.session = aiohttp.ClientSession(self.gateway.base_url)

    async def asyncTearDown(self) -> None:
        await self.session.close()
        await self.gateway.stop()

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        async with self.session.request(method, path, **kwargs) as response:
            return response.status, await response.json()

    async def test_validation_bodies(self) -> None:
        status, body = await self.call("GET", "/trading/swap/quote", params={"amount": "lots"})
        self.assertEqual(400, status)
        self.assertEqual("querystring/amount must be number", body["message"])
        self.assertEqual(
            [
                {
                    "instancePath": "/amount",
                    "schemaPath": "#/properties/amount/type",
                    "keyword": "type",
                    "params": {"type": "number"},
                    "message": "must be number",
                }
            ],
            body["validation"],
        )
        status, body = await self.call("GET", "/trading/swap/quote", params={"side": "HOLD"})
        self.assertEqual("querystring/side must be equal to one of the allowed values", body["message"])

    async def test_defaults_fill_missing_fields(self) -> None:
        status, body = await self.call("GET", "/trading/swap/quote")  # SOL -> USDC, amount 1, SELL, solana-mainnet-beta
        self.assertEqual((200, 1.0, 145.2), (status, body["amountIn"], body["amountOut"]))

    async def test_balances_semantics(self) -> None:
        _, body = await self.call("POST", "/chains/solana/balances", json={"tokens": ["JUP", "NOPE"]})
        self.assertEqual({"SOL": 25.0, "JUP": 0.0}, body["balances"])  # native always, zeros kept, unknown skipped
        _, body = await self.call("POST", "/chains/solana/balances", json={})
        self.assertEqual({"SOL": 25.0, "USDC": 5000.0}, body["balances"])  # no tokens: the non-zero ones

    async def test_config_namespaces(self) -> None:
        _, body = await self.call("GET", "/config", params={"namespace": "solana-mainnet-beta"})
        self.assertEqual(
            ("jupiter/router", "SOL", "mainnet-beta"),
            (body["swapProvider"], body["nativeCurrencySymbol"], body["defaultNetwork"]),
        )
        status, body = await self.call("GET", "/config", params={"namespace": "nope"})
        self.assertEqual((404, "Namespace 'nope' not found"), (status, body["message"]))

    async def test_poll_of_unknown_signatures_per_chain(self) -> None:
        _, eth = await self.call("POST", "/chains/ethereum/poll", json={"signature": "0xdead"})
        _, sol = await self.call("POST", "/chains/solana/poll", json={"signature": "5VER"})
        self.assertEqual((-1, None), (eth["txStatus"], eth["fee"]))
        self.assertEqual((0, None), (sol["txStatus"], sol["txBlock"]))

    async def test_amm_quote_needs_a_pool(self) -> None:
        status, body = await self.call(
            "GET",
            "/trading/swap/quote",
            params={
                "chainNetwork": "ethereum-mainnet",
                "connector": "uniswap/amm",
                "baseToken": "WETH",
                "quoteToken": "DAI",
                "amount": "1",
                "side": "SELL",
            },
        )
        self.assertEqual((404, "No AMM pool found for WETH-DAI"), (status, body["message"]))
        status, body = await self.call(
            "GET",
            "/trading/swap/quote",
            params={
                "chainNetwork": "ethereum-mainnet",
                "connector": "uniswap/amm",
                "baseToken": "WETH",
                "quoteToken": "USDC",
                "amount": "0.5",
                "side": "BUY",
            },
        )
        self.assertEqual(
            ("0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc", 1612.4, 1628.524),
            (body["poolAddress"], body["amountIn"], body["maxAmountIn"]),
        )

    async def test_unknown_route(self) -> None:
        status, body = await self.call("GET", "/nowhere")
        self.assertEqual((404, "Route GET:/nowhere not found"), (status, body["message"]))
