"""Gateway (DEX) connectors: the HTTP client of a Gateway server, the shared base, swaps and liquidity.

See ``docs/runtime.md`` (Gateway runtime) for the lifecycle and the deliberate differences from Hummingbot.
"""

from hbrt.gateway.common import (
    ChainTraits,
    GatewayErrorCode,
    TradingType,
    TxStatus,
    chain_network_id,
    chain_traits,
    connector_id,
    split_chain_network,
    split_connector_id,
)
from hbrt.gateway.gateway_base import GatewayBase, GatewayOrderTracker
from hbrt.gateway.gateway_http_client import GatewayHttpClient
from hbrt.gateway.gateway_in_flight_order import GatewayInFlightOrder
from hbrt.gateway.gateway_lp import GatewayLp
from hbrt.gateway.gateway_swap import GatewaySwap
from hbrt.gateway.transport import (
    GATEWAY_RATE_LIMIT_ID,
    GATEWAY_RATE_LIMIT_PER_MINUTE,
    GatewayConfigurationError,
    GatewayConnectionSettings,
    GatewayError,
    GatewayStatus,
    GatewayTimeoutError,
    GatewayUnavailableError,
    gateway_throttler,
)

__all__ = [
    "GATEWAY_RATE_LIMIT_ID",
    "GATEWAY_RATE_LIMIT_PER_MINUTE",
    "ChainTraits",
    "GatewayBase",
    "GatewayConfigurationError",
    "GatewayConnectionSettings",
    "GatewayError",
    "GatewayErrorCode",
    "GatewayHttpClient",
    "GatewayInFlightOrder",
    "GatewayLp",
    "GatewayOrderTracker",
    "GatewayStatus",
    "GatewaySwap",
    "GatewayTimeoutError",
    "GatewayUnavailableError",
    "TradingType",
    "TxStatus",
    "chain_network_id",
    "chain_traits",
    "connector_id",
    "gateway_throttler",
    "split_chain_network",
    "split_connector_id",
]
