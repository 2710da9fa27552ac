"""Connector configuration: secrets never show, fields carry prompt metadata, utils modules load like Hummingbot's."""

from __future__ import annotations

import logging
import pickle
import sys
import unittest
from decimal import Decimal
from pathlib import Path

from hbrt.connector.config import (
    ConnectorConfig,
    SecretStr,
    config_field,
    conn_init_parameters,
    connector_settings_from_utils,
    trade_fee_schema_from_default_fees,
)
from hbrt.data_type.trade_fee import TradeFeeSchema

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fake_exchange"))

from fakex import fakex_utils  # noqa: E402


class DemoConfig(ConnectorConfig):
    connector: str = "demo"
    demo_api_key: SecretStr = config_field(
        prompt="Enter your Demo API key >>> ", is_secure=True, is_connect_key=True, prompt_on_new=True
    )
    demo_api_secret: str = config_field(prompt=lambda cfg: f"Secret for {cfg.connector} >>> ", is_secure=True)
    demo_sub_account: str = config_field(default="main", prompt="Sub-account >>> ")


class SecretStrTests(unittest.TestCase):
    def test_secret_is_masked_everywhere_but_get_secret_value(self) -> None:
        secret = SecretStr("hunter2")
        self.assertEqual("**********", str(secret))
        self.assertEqual("SecretStr('**********')", repr(secret))
        self.assertEqual("key=**********", f"key={secret}")
        self.assertEqual("hunter2", secret.get_secret_value())
        self.assertEqual(SecretStr("hunter2"), secret)
        self.assertEqual("", str(SecretStr("")))
        self.assertEqual("hunter2", pickle.loads(pickle.dumps(secret)).get_secret_value())

    def test_only_strings_are_accepted(self) -> None:
        with self.assertRaises(TypeError):
            SecretStr(42)  # type: ignore[arg-type]


class ConnectorConfigTests(unittest.TestCase):
    def test_secure_fields_are_coerced_and_never_shown(self) -> None:
        config = DemoConfig(demo_api_key="the-key", demo_api_secret="the-secret")
        self.assertIsInstance(config.demo_api_key, SecretStr)
        self.assertIsInstance(config.demo_api_secret, SecretStr)
        text = repr(config)
        self.assertNotIn("the-key", text)
        self.assertNotIn("the-secret", text)
        self.assertIn("demo_sub_account='main'", text)
        with self.assertLogs("hbrt.tests.config", level="INFO") as logs:
            logging.getLogger("hbrt.tests.config").info("config: %s %r", config, config)
        self.assertNotIn("the-key", "".join(logs.output))
        self.assertNotIn("the-secret", "".join(logs.output))

    def test_assignment_keeps_secrets_secret_and_rejects_unknown_fields(self) -> None:
        config = DemoConfig(demo_api_key="k", demo_api_secret="s")
        config.demo_api_secret = "rotated"
        self.assertIsInstance(config.demo_api_secret, SecretStr)
        self.assertEqual("rotated", config.demo_api_secret.get_secret_value())
        with self.assertRaises(AttributeError):
            config.not_a_field = 1  # type: ignore[attr-defined]
        with self.assertRaises(TypeError):
            DemoConfig(demo_api_key="k", demo_api_secret="s", extra="x")  # type: ignore[call-arg]
        with self.assertRaises(TypeError):
            DemoConfig(demo_api_key="k")  # type: ignore[call-arg]

    def test_field_metadata(self) -> None:
        self.assertEqual(["demo_api_key"], DemoConfig.connect_keys())
        self.assertEqual(["demo_api_key", "demo_api_secret"], DemoConfig.secure_fields())
        info = DemoConfig.field_info("demo_api_key")
        self.assertTrue(info.is_secure and info.is_connect_key and info.prompt_on_new and info.is_updatable)
        config = DemoConfig(demo_api_key="k", demo_api_secret="s")
        self.assertEqual("Secret for demo >>> ", DemoConfig.field_info("demo_api_secret").prompt_text(config))
        self.assertFalse(DemoConfig.field_info("connector").is_secure)
        self.assertEqual("demo", DemoConfig.title())

    def test_constructor_kwargs_reveal_secrets_and_drop_connector(self) -> None:
        config = DemoConfig(demo_api_key="k", demo_api_secret="s")
        self.assertEqual(
            {"demo_api_key": "k", "demo_api_secret": "s", "demo_sub_account": "main"}, config.to_constructor_kwargs()
        )

    def test_model_construct_allows_missing_values(self) -> None:
        keys = DemoConfig.model_construct()
        self.assertEqual(["demo_api_key", "demo_api_secret"], keys.missing_required_fields())
        self.assertEqual("demo", keys.connector)
        keys.demo_api_key = "k"
        self.assertIsInstance(keys.demo_api_key, SecretStr)


class UtilsModuleLoadingTests(unittest.TestCase):
    def test_settings_for_main_connector_and_other_domain(self) -> None:
        main, testnet = connector_settings_from_utils("fakex", fakex_utils)
        self.assertEqual("fakex", main.name)
        self.assertEqual("COINALPHA-HBOT", main.example_pair)
        self.assertIs(fakex_utils.DEFAULT_FEES, main.trade_fee_schema)
        self.assertFalse(main.is_sub_domain)
        self.assertEqual("fakex_testnet", testnet.name)
        self.assertTrue(testnet.is_sub_domain)
        self.assertEqual("fakex", testnet.parent_name)
        self.assertEqual("testnet", testnet.domain_parameter)
        self.assertEqual(Decimal("0.001"), testnet.trade_fee_schema.maker_percent_fee_decimal)
        self.assertEqual(Decimal("0.002"), testnet.trade_fee_schema.taker_percent_fee_decimal)

    def test_constructor_parameters_for_a_sub_domain(self) -> None:
        _, testnet = connector_settings_from_utils("fakex", fakex_utils)
        config = fakex_utils.FakexTestnetConfigMap(fakex_testnet_api_key="k", fakex_testnet_api_secret="s")
        params = conn_init_parameters(testnet, config, trading_pairs=["COINALPHA-HBOT"])
        self.assertEqual("k", params["fakex_api_key"])
        self.assertEqual("s", params["fakex_api_secret"])
        self.assertEqual("testnet", params["domain"])
        self.assertEqual(["COINALPHA-HBOT"], params["trading_pairs"])
        self.assertTrue(params["trading_required"])
        self.assertEqual(Decimal(100), params["rate_limits_share_pct"])

    def test_default_fees_conversion(self) -> None:
        self.assertEqual(TradeFeeSchema(), trade_fee_schema_from_default_fees(None))
        schema = trade_fee_schema_from_default_fees([0.1, "0.25"])
        self.assertEqual(Decimal("0.001"), schema.maker_percent_fee_decimal)
        self.assertEqual(Decimal("0.0025"), schema.taker_percent_fee_decimal)


if __name__ == "__main__":
    unittest.main()
