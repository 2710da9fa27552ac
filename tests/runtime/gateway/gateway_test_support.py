"""Connectors and helpers shared by the Gateway runtime tests (they talk to a LoopbackGateway over real sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hbrt.event.events import MarketEvent
from hbrt.event.pubsub import EventLogger
from hbrt.gateway import GatewayHttpClient, GatewayLp, GatewaySwap, TradingType
from hbrt.testing.gateway import LoopbackGateway

FAST = {
    "POLL_INTERVAL": 0.02,
    "NETWORK_CHECK_INTERVAL": 0.05,
    "NETWORK_ERROR_WAIT_TIME": 0.05,
    "INIT_RETRY_INTERVAL": 0.05,
    "SELF_TICK_INTERVAL": 0.02,
}


class EthereumDex(GatewayLp):
    DEX = "uniswap"
    CHAIN = "ethereum"
    NETWORKS = ("mainnet",)
    DEFAULT_NETWORK = "mainnet"
    TRADING_TYPES = (TradingType.ROUTER, TradingType.AMM, TradingType.CLMM)
    DEFAULT_TRADING_TYPE = TradingType.ROUTER
    POLL_INTERVAL = FAST["POLL_INTERVAL"]
    NETWORK_CHECK_INTERVAL = FAST["NETWORK_CHECK_INTERVAL"]
    NETWORK_ERROR_WAIT_TIME = FAST["NETWORK_ERROR_WAIT_TIME"]
    INIT_RETRY_INTERVAL = FAST["INIT_RETRY_INTERVAL"]
    SELF_TICK_INTERVAL = FAST["SELF_TICK_INTERVAL"]


class SolanaRouter(GatewaySwap):
    DEX = "jupiter"
    CHAIN = "solana"
    NETWORKS = ("mainnet-beta",)
    DEFAULT_NETWORK = "mainnet-beta"
    TRADING_TYPES = (TradingType.ROUTER,)
    DEFAULT_TRADING_TYPE = TradingType.ROUTER
    POLL_INTERVAL = FAST["POLL_INTERVAL"]
    NETWORK_CHECK_INTERVAL = FAST["NETWORK_CHECK_INTERVAL"]
    NETWORK_ERROR_WAIT_TIME = FAST["NETWORK_ERROR_WAIT_TIME"]
    INIT_RETRY_INTERVAL = FAST["INIT_RETRY_INTERVAL"]
    SELF_TICK_INTERVAL = FAST["SELF_TICK_INTERVAL"]


def client_for(gateway: LoopbackGateway, **kwargs: Any) -> GatewayHttpClient:
    """A client of ``gateway`` whose throttler does not slow tests down (the limit itself is tested apart)."""
    kwargs.setdefault("rate_limit_per_minute", 100_000)
    return GatewayHttpClient(gateway.settings(), **kwargs)


def listen(connector: Any) -> dict[MarketEvent, EventLogger]:
    loggers = {}
    for tag in MarketEvent:
        logger = EventLogger()
        connector.add_listener(tag, logger)
        loggers[tag] = logger
    return loggers


async def wait_for(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds (checked every 10 ms); fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        await asyncio.sleep(0.01)
