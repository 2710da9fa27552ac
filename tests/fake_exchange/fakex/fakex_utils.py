"""Fakex configuration (the ``<name>_utils`` module Hummingbot's settings loader reads)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hbrt.connector.config import ConnectorConfig, SecretStr, config_field
from hbrt.data_type.trade_fee import TradeFeeSchema

CENTRALIZED = True
EXAMPLE_PAIR = "COINALPHA-HBOT"

DEFAULT_FEES = TradeFeeSchema(
    maker_percent_fee_decimal=Decimal("0.001"),
    taker_percent_fee_decimal=Decimal("0.002"),
    buy_percent_fee_deducted_from_returns=True,
)


def is_exchange_information_valid(symbol_info: dict[str, Any]) -> bool:
    """Only symbols open for trading count."""
    return symbol_info.get("status") == "TRADING"


class FakexConfigMap(ConnectorConfig):
    connector: str = "fakex"
    fakex_api_key: SecretStr = config_field(
        prompt="Enter your Fakex API key >>> ", is_secure=True, is_connect_key=True, prompt_on_new=True
    )
    fakex_api_secret: SecretStr = config_field(
        prompt="Enter your Fakex API secret >>> ", is_secure=True, is_connect_key=True, prompt_on_new=True
    )


KEYS = FakexConfigMap.model_construct()

OTHER_DOMAINS = ["fakex_testnet"]
OTHER_DOMAINS_PARAMETER = {"fakex_testnet": "testnet"}
OTHER_DOMAINS_EXAMPLE_PAIR = {"fakex_testnet": "COINALPHA-HBOT"}
OTHER_DOMAINS_DEFAULT_FEES = {"fakex_testnet": [0.1, 0.2]}


class FakexTestnetConfigMap(ConnectorConfig):
    connector: str = "fakex_testnet"
    fakex_testnet_api_key: SecretStr = config_field(
        prompt="Enter your Fakex testnet API key >>> ", is_secure=True, is_connect_key=True, prompt_on_new=True
    )
    fakex_testnet_api_secret: SecretStr = config_field(
        prompt="Enter your Fakex testnet API secret >>> ", is_secure=True, is_connect_key=True, prompt_on_new=True
    )


OTHER_DOMAINS_KEYS = {"fakex_testnet": FakexTestnetConfigMap.model_construct()}
