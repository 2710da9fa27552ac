"""Connectors and helpers shared by the Gateway runtime tests (they talk to a LoopbackGateway over real sockets).

The helpers (``wait_for``, ``listen``, ``FAST_INTERVALS``) are the shared suite's, from ``hbrt.testing.gateway``.
"""

from __future__ import annotations

from typing import Any

from hbrt.gateway import GatewayHttpClient, GatewayLp, GatewaySwap, TradingType
from hbrt.testing.gateway import FAST_INTERVALS, LoopbackGateway, listen, wait_for

__all__ = ["EthereumDex", "SolanaRouter", "client_for", "listen", "wait_for"]


class EthereumDex(GatewayLp):
    DEX = "uniswap"
    CHAIN = "ethereum"
    NETWORKS = ("mainnet",)
    DEFAULT_NETWORK = "mainnet"
    TRADING_TYPES = (TradingType.ROUTER, TradingType.AMM, TradingType.CLMM)
    DEFAULT_TRADING_TYPE = TradingType.ROUTER


class SolanaRouter(GatewaySwap):
    DEX = "jupiter"
    CHAIN = "solana"
    NETWORKS = ("mainnet-beta",)
    DEFAULT_NETWORK = "mainnet-beta"
    TRADING_TYPES = (TradingType.ROUTER,)
    DEFAULT_TRADING_TYPE = TradingType.ROUTER


for _connector_class in (EthereumDex, SolanaRouter):  # the loops sped up for tests
    for _name, _value in FAST_INTERVALS.items():
        setattr(_connector_class, _name, _value)


def client_for(gateway: LoopbackGateway, **kwargs: Any) -> GatewayHttpClient:
    """A client of ``gateway`` whose throttler does not slow tests down (the limit itself is tested apart)."""
    kwargs.setdefault("rate_limit_per_minute", 100_000)
    return GatewayHttpClient(gateway.settings(), **kwargs)
