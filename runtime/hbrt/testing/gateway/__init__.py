"""A loopback Gateway for tests: a real aiohttp server on 127.0.0.1 answering like Gateway 2.13, and the shared
Gateway connector suite that runs connectors against it."""

from hbrt.testing.gateway.connector_tests import (
    FAST_INTERVALS,
    GatewayConnectorTests,
    example_world,
    fast,
    listen,
    wait_for,
)
from hbrt.testing.gateway.server import LoopbackGateway
from hbrt.testing.gateway.world import Plan, Pool, Token, World, default_world

__all__ = [
    "FAST_INTERVALS",
    "GatewayConnectorTests",
    "LoopbackGateway",
    "Plan",
    "Pool",
    "Token",
    "World",
    "default_world",
    "example_world",
    "fast",
    "listen",
    "wait_for",
]
