"""A loopback Gateway for tests: a real aiohttp server on 127.0.0.1 answering like Gateway 2.13."""

from hbrt.testing.gateway.server import LoopbackGateway
from hbrt.testing.gateway.world import Plan, Pool, Token, World, default_world

__all__ = ["LoopbackGateway", "Plan", "Pool", "Token", "World", "default_world"]
