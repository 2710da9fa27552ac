"""The test seams Hummingbot connector tests rely on (issue 10 §6), written the way those tests use them.

``NetworkMockingAssistant(event_loop)`` built in a synchronous ``setUp``; ``_sleep`` patched on a data source class;
``TimeSynchronizer._current_seconds_counter`` patched on the class; ``UPDATE_ORDER_STATUS_MIN_INTERVAL`` on the
connector (from the spec, and honoured by the status polling loop); error bodies that are not JSON still read for
their code and message.
"""

from __future__ import annotations

import asyncio
import unittest
from decimal import Decimal
from typing import Any
from unittest.mock import AsyncMock, patch

import aiohttp
from binance import binance_constants as CONSTANTS
from binance import binance_web_utils as web_utils
from binance.binance_api_order_book_data_source import BinanceAPIOrderBookDataSource
from binance.binance_api_user_stream_data_source import BinanceAPIUserStreamDataSource
from binance.binance_auth import BinanceAuth
from binance.binance_exchange import BinanceExchange
from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hbrt.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hbrt.testing.network_mocking_assistant import NetworkMockingAssistant
from hbrt.time_synchronizer import TimeSynchronizer
from hbrt.web_assistant import RESTRequestError, error_facts


class NetworkMockingAssistantWithALoopTests(unittest.TestCase):
    """Hummingbot's style: a loop made by the test, the assistant built outside it, coroutines run to completion."""

    def setUp(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.mocking_assistant = NetworkMockingAssistant(self.loop)

    def tearDown(self) -> None:
        self.loop.close()

    def test_messages_flow_through_the_given_loop(self) -> None:
        self.assertIs(self.loop, self.mocking_assistant.event_loop)
        ws = self.mocking_assistant.create_websocket_mock()
        self.mocking_assistant.add_websocket_json_message(ws, {"e": "trade"})
        message = self.loop.run_until_complete(ws.receive_json())
        self.assertEqual({"e": "trade"}, message)

    def test_a_mock_read_from_another_loop_says_so(self) -> None:
        ws = self.mocking_assistant.create_websocket_mock()
        self.mocking_assistant.add_websocket_json_message(ws, {"e": "trade"})
        other = asyncio.new_event_loop()
        try:
            with self.assertRaisesRegex(RuntimeError, "belongs to another event loop"):
                other.run_until_complete(ws.receive_json())
        finally:
            other.close()

    def test_async_init_binds_an_assistant_made_without_a_loop(self) -> None:
        assistant = NetworkMockingAssistant()
        self.assertIsNone(assistant.event_loop)
        self.loop.run_until_complete(assistant.async_init())
        self.assertIs(self.loop, assistant.event_loop)


class SleepIsAPatchableMethodTests(unittest.IsolatedAsyncioTestCase):
    def test_sleep_is_a_coroutine_method_of_both_data_source_bases(self) -> None:
        for base in (OrderBookTrackerDataSource, UserStreamTrackerDataSource):
            self.assertTrue(asyncio.iscoroutinefunction(base.__dict__["_sleep"]), base)

    async def test_the_user_stream_reconnect_waits_through_the_class_seam(self) -> None:
        factory = web_utils.build_api_factory()
        mocking = NetworkMockingAssistant()
        mocking.configure_web_assistants_factory(
            factory, [aiohttp.ClientConnectionError("refused"), mocking.create_websocket_mock()]
        )
        synchronizer = TimeSynchronizer()
        synchronizer.add_time_offset_ms_sample(0)
        auth = BinanceAuth(api_key="k", secret_key="s", time_provider=synchronizer)
        source = BinanceAPIUserStreamDataSource(
            auth=auth, trading_pairs=["COINALPHA-HBOT"], connector=None, api_factory=factory
        )
        with patch.object(BinanceAPIUserStreamDataSource, "_sleep", new_callable=AsyncMock) as sleep:
            sleep.side_effect = asyncio.CancelledError
            with self.assertRaises(asyncio.CancelledError):
                await source.listen_for_user_stream(asyncio.Queue())
        sleep.assert_awaited_once()
        await factory.close()

    async def test_the_order_book_reconnect_waits_through_the_class_seam(self) -> None:
        factory = web_utils.build_api_factory()
        mocking = NetworkMockingAssistant()
        mocking.configure_web_assistants_factory(
            factory, [aiohttp.ClientConnectionError("refused"), mocking.create_websocket_mock()]
        )
        source = BinanceAPIOrderBookDataSource(trading_pairs=["COINALPHA-HBOT"], connector=None, api_factory=factory)
        with patch.object(BinanceAPIOrderBookDataSource, "_sleep", new_callable=AsyncMock) as sleep:
            sleep.side_effect = asyncio.CancelledError
            with self.assertRaises(asyncio.CancelledError):
                await source.listen_for_subscriptions()
        sleep.assert_awaited_once()
        await factory.close()


class TimeSynchronizerSecondsCounterTests(unittest.IsolatedAsyncioTestCase):
    async def test_the_seconds_counter_is_patchable_on_the_class(self) -> None:
        synchronizer = TimeSynchronizer()
        with patch.object(TimeSynchronizer, "_current_seconds_counter") as counter:
            counter.side_effect = [10.0, 12.0, 20.0]

            async def server_time() -> float:
                return 1_000_000.0  # ms

            await synchronizer.update_server_time_offset_with_time_provider(server_time())
            # The sample is server ms minus the midpoint of the two counter readings (11 s).
            self.assertEqual((1_000_000.0 - 11_000.0,), synchronizer.samples)
            self.assertAlmostEqual(20.0 + (1_000_000.0 - 11_000.0) / 1e3, synchronizer.time())

    def test_without_samples_the_patchable_wall_clock_is_read(self) -> None:
        synchronizer = TimeSynchronizer()
        with (
            patch.object(TimeSynchronizer, "_time", return_value=1_700_000_000.0),
            patch.object(TimeSynchronizer, "_current_seconds_counter", return_value=5.0),
        ):
            self.assertEqual(1_700_000_000.0, synchronizer.time())


class UpdateOrderStatusMinIntervalTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.exchange = BinanceExchange(
            binance_api_key="k", binance_api_secret="s", trading_pairs=["COINALPHA-HBOT"], trading_required=False
        )

    def test_the_connector_exposes_the_spec_value(self) -> None:
        self.assertEqual(CONSTANTS.ORDER_STATUS_POLL_INTERVAL, BinanceExchange.UPDATE_ORDER_STATUS_MIN_INTERVAL)
        self.assertEqual(10.0, self.exchange.UPDATE_ORDER_STATUS_MIN_INTERVAL)  # specs/binance.yaml polling

    async def test_the_status_poll_updates_order_statuses_at_most_that_often(self) -> None:
        calls: list[float] = []

        async def update() -> None:
            calls.append(self.exchange.current_timestamp)

        with patch.object(self.exchange, "_update_order_status", side_effect=update):
            for now in (1000.0, 1005.0, 1009.9, 1010.0, 1015.0, 1021.0):
                self.exchange._set_current_timestamp(now)
                await self.exchange._update_order_status_when_due()
        self.assertEqual([1000.0, 1010.0, 1021.0], calls)

    async def test_a_hummingbot_style_test_calls_the_update_directly(self) -> None:
        self.exchange._set_current_timestamp(1000.0)
        self.exchange._last_poll_timestamp = (
            self.exchange.current_timestamp - self.exchange.UPDATE_ORDER_STATUS_MIN_INTERVAL - 1
        )
        with patch.object(self.exchange, "_update_orders", new_callable=AsyncMock) as orders:
            await self.exchange._update_order_status()
        orders.assert_awaited_once()


def _details(body: Any) -> tuple[Any, str | None]:
    if not isinstance(body, dict):
        return None, body if isinstance(body, str) else None
    message = body.get("msg")
    return body.get("code"), None if message is None else str(message)


class ErrorBodiesThatAreNotJsonTests(unittest.TestCase):
    def test_a_python_literal_body_raised_by_hand(self) -> None:
        error = OSError("Error executing request DELETE /order. HTTP status is 400. Error: {'code': -2011, 'msg': 'x'}")
        self.assertEqual((-2011, "x", 400), tuple(error_facts(error, _details)))

    def test_a_form_encoded_body(self) -> None:
        error = RESTRequestError(status=400, method="GET", url="u", body="code=-2013&msg=Order+does+not+exist.")
        self.assertEqual(("-2013", "Order does not exist.", 400), tuple(error_facts(error, _details)))

    def test_a_text_body_still_gives_its_code_and_the_whole_text(self) -> None:
        text = "Timestamp for this request is outside of the recvWindow. (code: -1021)"
        error = RESTRequestError(status=400, method="GET", url="u", body=text)
        self.assertEqual(("-1021", text, 400), tuple(error_facts(error, _details)))

    def test_plain_text_without_fields(self) -> None:
        error = RESTRequestError(status=503, method="GET", url="u", body="Service Unavailable")
        self.assertEqual((None, "Service Unavailable", 503), tuple(error_facts(error, _details)))

    def test_the_generated_error_rules_match_a_text_body(self) -> None:
        error = OSError("HTTP status is 400. Error: code=-2013&msg=Order+does+not+exist.")
        code, message, status = error_facts(error, CONSTANTS.error_details)
        self.assertTrue(CONSTANTS.matches_any(CONSTANTS.ORDER_NOT_FOUND_ON_STATUS, code, message, status))
        self.assertEqual(Decimal(-2013), Decimal(code))
