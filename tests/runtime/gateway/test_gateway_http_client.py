"""GatewayHttpClient against the loopback Gateway: encoding, errors, timeouts, 429, throttling, TLS, the monitor."""

from __future__ import annotations

import asyncio
import ssl
import sys
import tempfile
import unittest
from decimal import Decimal
from pathlib import Path

import trustme
from hbrt.api_throttler.async_throttler import AsyncThrottler
from hbrt.api_throttler.data_types import RateLimit
from hbrt.connector.config import SecretStr
from hbrt.gateway import (
    GATEWAY_RATE_LIMIT_ID,
    GatewayConfigurationError,
    GatewayConnectionSettings,
    GatewayError,
    GatewayHttpClient,
    GatewayStatus,
    GatewayTimeoutError,
    GatewayUnavailableError,
)
from hbrt.testing.gateway import LoopbackGateway

sys.path.insert(0, str(Path(__file__).parent))  # pytest runs with --import-mode=importlib
from gateway_test_support import client_for, wait_for  # noqa: E402


class SettingsTests(unittest.TestCase):
    def test_base_url(self) -> None:
        self.assertEqual("http://localhost:15888", GatewayConnectionSettings().base_url)
        self.assertEqual("https://[::1]:8000", GatewayConnectionSettings(host="::1", port=8000, use_ssl=True).base_url)

    def test_tls_without_certificates_names_the_missing_files(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            settings = GatewayConnectionSettings(use_ssl=True, certs_path=folder)
            with self.assertRaises(GatewayConfigurationError) as raised:
                settings.ssl_context()
        self.assertIn("ca_cert.pem, client_cert.pem, client_key.pem", str(raised.exception))

    def test_passphrase_never_shows(self) -> None:
        settings = GatewayConnectionSettings(cert_passphrase=SecretStr("hunter2"))
        self.assertNotIn("hunter2", repr(settings))


class ClientTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.gateway = LoopbackGateway()
        await self.gateway.start()
        self.client = client_for(self.gateway)

    async def asyncTearDown(self) -> None:
        await self.client.close()
        await self.gateway.stop()

    async def test_get_sends_a_query_string_and_post_a_json_body(self) -> None:
        quote = await self.client.quote_swap(
            "solana", "mainnet-beta", "jupiter/router", "SOL", "USDC", Decimal("1.5"), "SELL", Decimal("1")
        )
        self.assertEqual(145.2, quote["price"])
        self.assertEqual(
            {
                "chainNetwork": "solana-mainnet-beta",
                "connector": "jupiter/router",
                "baseToken": "SOL",
                "quoteToken": "USDC",
                "amount": "1.5",
                "side": "SELL",
                "slippagePct": "1",
            },
            self.gateway.calls("GET", "trading/swap/quote")[0],
        )
        await self.client.get_balances(
            "solana", "mainnet-beta", "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", ["USDC", "SOL"]
        )
        self.assertEqual(
            {
                "network": "mainnet-beta",
                "address": "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
                "tokens": ["SOL", "USDC"],
            },
            self.gateway.calls("POST", "chains/solana/balances")[0],
        )

    async def test_validation_error_keeps_gateway_fields(self) -> None:
        with self.assertRaises(GatewayError) as raised:
            await self.client.api_request("POST", "chains/solana/poll", {"network": "mainnet-beta"})
        error = raised.exception
        self.assertEqual((400, "Validation Error"), (error.status, error.error))
        self.assertEqual("body must have required property 'signature'", error.message)
        self.assertEqual("Gateway error: body must have required property 'signature' (Validation Error)", str(error))

    async def test_error_code_is_kept(self) -> None:
        self.gateway.fail_next(
            "trading/swap/execute", 504, "Transaction failed to confirm after 10 attempts", code="TRANSACTION_TIMEOUT"
        )
        with self.assertRaises(GatewayError) as raised:
            await self.client.api_request("POST", "trading/swap/execute", {})
        self.assertEqual(("TRANSACTION_TIMEOUT", 504), (raised.exception.code, raised.exception.status))
        self.assertTrue(str(raised.exception).endswith("(HttpError) [code: TRANSACTION_TIMEOUT]"))

    async def test_fail_silently_returns_the_error_body(self) -> None:
        reply = await self.client.api_request("GET", "config", {"namespace": "nope"}, fail_silently=True)
        self.assertEqual({"statusCode": 404, "error": "HttpError", "message": "Namespace 'nope' not found"}, reply)

    async def test_timeout(self) -> None:
        self.gateway.delay_next("config/chains", 1.0)
        with self.assertRaises(GatewayTimeoutError) as raised:
            await self.client.api_request("GET", "config/chains", timeout=0.05)
        self.assertTrue(raised.exception.request_sent)

    async def test_unreachable_gateway(self) -> None:
        await self.gateway.go_offline()
        with self.assertRaises(GatewayUnavailableError) as raised:
            await self.client.get_chains()
        self.assertFalse(raised.exception.request_sent)
        self.assertEqual(GatewayStatus.OFFLINE, self.client.gateway_status)

    async def test_monitor_tracks_status_and_reloads_lists(self) -> None:
        seen: list[GatewayStatus] = []
        self.client.add_status_listener(seen.append)
        self.client.MONITOR_INTERVAL = 0.02
        self.client.start_monitor()
        await wait_for(lambda: bool(self.client.connectors), what="lists loaded")
        self.assertIn("uniswap/clmm", self.client.connectors)
        self.assertIn("solana-mainnet-beta", self.client.namespaces)
        await self.gateway.go_offline()
        await wait_for(lambda: not self.client.is_online, what="offline")
        self.client.connectors = []
        await self.gateway.go_online()
        await wait_for(lambda: bool(self.client.connectors), what="lists reloaded")
        self.assertEqual([GatewayStatus.ONLINE, GatewayStatus.OFFLINE, GatewayStatus.ONLINE], seen)


class RateLimitTests(unittest.IsolatedAsyncioTestCase):
    async def test_429_is_waited_out_and_retried(self) -> None:
        async with LoopbackGateway(rate_limit=(2, 0.2)) as gateway:
            client = client_for(gateway)
            try:
                for _ in range(3):
                    self.assertTrue(await client.ping_gateway())
                self.assertEqual(4, len(gateway.calls("GET", "")))  # the third was answered 429, then retried
                strict = client_for(gateway, max_rate_limit_retries=0)
                await strict.ping_gateway()
                await strict.ping_gateway()
                with self.assertRaises(GatewayError) as raised:
                    await strict.get_chains()
                self.assertEqual((429, "Too Many Requests"), (raised.exception.status, raised.exception.error))
                await strict.close()
            finally:
                await client.close()

    async def test_requests_are_throttled_to_the_global_limit(self) -> None:
        clock = [0.0]
        slept: list[float] = []

        async def fake_sleep(delay: float) -> None:
            slept.append(delay)
            clock[0] += delay

        throttler = AsyncThrottler(
            [RateLimit(GATEWAY_RATE_LIMIT_ID, 2, 60.0)], time_provider=lambda: clock[0], sleep=fake_sleep
        )
        async with LoopbackGateway() as gateway:
            client = GatewayHttpClient(gateway.settings(), throttler=throttler)
            try:
                for _ in range(3):
                    await client.get_chains()
            finally:
                await client.close()
        # The third request waited for the first to leave the 60 s window plus the 5 % safety margin.
        self.assertAlmostEqual(63.0, sum(slept), places=3)


class MutualTlsTests(unittest.IsolatedAsyncioTestCase):
    async def test_client_certificates_are_presented(self) -> None:
        ca = trustme.CA()
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost", "127.0.0.1").configure_cert(server_context)
        ca.configure_trust(server_context)
        server_context.verify_mode = ssl.CERT_REQUIRED
        client_cert = ca.issue_cert("hummingbot-client")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder)
            ca.cert_pem.write_to_path(str(path / "ca_cert.pem"))
            client_cert.cert_chain_pems[0].write_to_path(str(path / "client_cert.pem"))
            client_cert.private_key_pem.write_to_path(str(path / "client_key.pem"))
            async with LoopbackGateway(ssl_context=server_context) as gateway:
                client = GatewayHttpClient(gateway.settings(use_ssl=True, certs_path=folder))
                plain = GatewayHttpClient(gateway.settings())
                try:
                    self.assertTrue(client.base_url.startswith("https://"))
                    self.assertTrue(await client.ping_gateway())
                    self.assertFalse(await plain.ping_gateway())
                finally:
                    await client.close()
                    await plain.close()

    async def test_wrong_passphrase_is_a_configuration_error(self) -> None:
        ca = trustme.CA()
        cert = ca.issue_cert("client")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder)
            ca.cert_pem.write_to_path(str(path / "ca_cert.pem"))
            cert.cert_chain_pems[0].write_to_path(str(path / "client_cert.pem"))
            (path / "client_key.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            with self.assertRaises(GatewayConfigurationError):
                GatewayConnectionSettings(use_ssl=True, certs_path=folder).ssl_context()


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(unittest.main())
