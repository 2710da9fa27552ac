"""Client order ids, nonces and trading-pair helpers."""

from __future__ import annotations

import asyncio
import threading
import unittest
from unittest import mock

from hbrt.connector import utils
from hbrt.connector.utils import (
    combine_to_hb_trading_pair,
    get_new_client_order_id,
    get_new_numeric_client_order_id,
    get_tracking_nonce,
    split_hb_trading_pair,
)

PREFIX = "x-MG43PCSN"


class TradingPairTests(unittest.TestCase):
    def test_combine_and_split(self) -> None:
        self.assertEqual("BTC-USDT", combine_to_hb_trading_pair("BTC", "USDT"))
        self.assertEqual(("BTC", "USDT"), split_hb_trading_pair("BTC-USDT"))
        for bad in ("BTCUSDT", "A-B-C", "-USDT"):
            with self.assertRaises(ValueError):
                split_hb_trading_pair(bad)

    def test_processor_reexports(self) -> None:
        from hbrt.web_assistant import processors

        self.assertIs(processors.TimeSynchronizerRESTPreProcessor, utils.TimeSynchronizerRESTPreProcessor)
        self.assertIs(processors.GZipCompressionWSPostProcessor, utils.GZipCompressionWSPostProcessor)


class ClientOrderIdTests(unittest.TestCase):
    def test_layout_without_cap(self) -> None:
        order_id = get_new_client_order_id(True, "COINALPHA-HBOT", "1$")
        self.assertTrue(order_id.startswith("1BCAHT"))
        self.assertNotIn("$", order_id)
        self.assertTrue(order_id.endswith(utils._get_instance_id()))
        self.assertTrue(get_new_client_order_id(False, "btc-usdt").startswith("SBCUT"))

    def test_binance_cap_keeps_the_hex_nonce_and_part_of_the_instance_id(self) -> None:
        with mock.patch.object(utils.time, "time_ns", return_value=1_700_000_000_000_000_000):
            order_id = get_new_client_order_id(True, "BTC-USDT", PREFIX, max_id_len=32)
        nonce_hex = format(utils._last_nonce, "x")
        self.assertEqual(32, len(order_id))
        self.assertEqual(f"{PREFIX}BBCUT{nonce_hex}", order_id[: 15 + len(nonce_hex)])
        self.assertEqual(utils._get_instance_id()[: 32 - 15 - len(nonce_hex)], order_id[15 + len(nonce_hex) :])

    def test_cap_too_small_is_an_error(self) -> None:
        with self.assertRaises(ValueError):
            get_new_client_order_id(True, "BTC-USDT", PREFIX, max_id_len=18)

    def test_nonce_strictly_increases_even_when_the_clock_stands_still_or_goes_back(self) -> None:
        with mock.patch.object(utils.time, "time_ns", side_effect=[5_000_000_000, 5_000_000_000, 4_000_000_000]):
            first, second, third = get_tracking_nonce(), get_tracking_nonce(), get_tracking_nonce()
        self.assertLess(first, second)
        self.assertLess(second, third)

    def test_tightest_cap_is_unique_for_consecutive_nonces(self) -> None:
        # A frozen clock makes the nonces consecutive; with 4 base-36 characters of room (cap 19 after a
        # 15-character head) 40,000 ids must still all differ (a 4-character truncated hash would give hundreds
        # of collisions).
        with mock.patch.object(utils.time, "time_ns", return_value=1_700_000_000_000_000_000):
            ids = [get_new_client_order_id(i % 2 == 0, "BTC-USDT", PREFIX, max_id_len=19) for i in range(40_000)]
        buys = [order_id for order_id in ids if order_id[len(PREFIX)] == "B"]
        self.assertEqual(20_000, len(set(buys)))
        self.assertEqual(40_000, len(set(ids)))
        self.assertEqual({19}, {len(order_id) for order_id in ids})

    def test_unique_under_threads_and_tasks_with_a_tight_cap(self) -> None:
        cap = 20  # 15-character head + 5 base-36 nonce digits: distinct for nonces less than 36**5 µs (~60 s) apart
        results: list[list[str]] = []
        lock = threading.Lock()

        def make_ids(count: int) -> None:
            batch = [get_new_client_order_id(True, "BTC-USDT", PREFIX, max_id_len=cap) for _ in range(count)]
            with lock:
                results.append(batch)

        async def task_ids(count: int) -> list[str]:
            batch = []
            for _ in range(count):
                batch.append(get_new_client_order_id(True, "BTC-USDT", PREFIX, max_id_len=cap))
                await asyncio.sleep(0)
            return batch

        async def many_tasks() -> list[list[str]]:
            return await asyncio.gather(*(task_ids(100) for _ in range(50)))

        threads = [threading.Thread(target=make_ids, args=(2500,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        task_batches = asyncio.run(many_tasks())
        for thread in threads:
            thread.join()
        all_ids = [order_id for batch in results + task_batches for order_id in batch]
        self.assertEqual(8 * 2500 + 50 * 100, len(all_ids))
        self.assertEqual(len(all_ids), len(set(all_ids)))
        self.assertTrue(all(len(order_id) <= cap for order_id in all_ids))

    def test_numeric_ids(self) -> None:
        nonces = iter([1000, 1001])
        first = get_new_numeric_client_order_id(lambda: next(nonces))
        second = get_new_numeric_client_order_id(lambda: next(nonces))
        self.assertLess(first, second)
        self.assertEqual(1000, first // 10_000)

        class NonceCreator:
            def get_tracking_nonce(self) -> int:
                return (1 << 70) + 5

        self.assertEqual(5, get_new_numeric_client_order_id(NonceCreator(), max_id_bit_count=63))
        capped = {get_new_numeric_client_order_id(max_id_bit_count=32) for _ in range(1000)}
        self.assertEqual(1000, len(capped))
        self.assertTrue(all(0 <= value < 2**32 for value in capped))
