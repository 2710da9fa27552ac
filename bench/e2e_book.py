"""Benchmark: websocket to book over loopback, the generated Binance connector against CCXT's ``watch_order_book``.

A real aiohttp server on 127.0.0.1, in its own process, plays Binance spot: ``/api/v3/exchangeInfo``, ``/api/v3/time``,
``/api/v3/ticker/price``, ``/api/v3/depth`` (the REST snapshot) and a websocket that answers ``SUBSCRIBE`` and then
replays ``EVENTS`` ``depthUpdate`` events as fast as the client reads them (the workload of ``bench/_book_workload.py``:
1,000 levels a side, 1-10 levels per side and event). The first ``PREFIX`` events are sent before the snapshot is
served and the rest after it, so every client has to buffer, fetch the snapshot and replay, as on the real exchange.
The snapshot is the book after event ``SNAPSHOT_AT``. The events are written as pre-encoded websocket frames, 256 at a
time, with back-pressure: the server spends well under 1 us of CPU a frame (``send_str`` per frame took about 2), CPU
that on a busy 2-core machine is taken from the client being measured, and more from the faster client.

* ``diffs_per_s``: the generated package ``generated/binance``, unmodified except that ``CONSTANTS.REST_URLS`` and
  ``CONSTANTS.WSS_URLS`` point at the server: ``BinanceExchange(...).order_book_tracker`` (the generated
  ``BinanceAPIOrderBookDataSource`` and the runtime's ``OrderBookTracker``) is started, and the clock stops when the
  book holds the last event's update id. ``book_equals_truth``: every level of the final book (prices and amounts,
  both sides, as ``Decimal``) equals a reference book built independently from the same events.
* ``ccxt_diffs_per_s``: ``ccxt.pro.binance().watch_order_book("BTC/USDT")`` with its REST and websocket URLs pointed at
  the same server, awaited in a loop until its ``nonce`` is the last update id. ``ccxt_book_equals_truth`` compares its
  top ``CCXT_COMPARED_LEVELS`` levels a side (CCXT trims its book to the 1,000-level limit it subscribes with).
* Markets are loaded (both clients) before the clock starts. Each client runs ``REPEAT`` times, alternating, each
  on a fresh connection; the best run of each is reported. ``ratio_vs_ccxt`` is ``diffs_per_s / ccxt_diffs_per_s``.
* ``cpu_us_per_diff`` / ``ccxt_cpu_us_per_diff``: CPU time of the client process per event (the server runs in
  another process), best run. On a machine shared with other work, wall-clock throughput also measures who else
  wanted the cores; the CPU ratio does not, so both are printed.

Prints exactly one JSON line. Goal (issue 14): ``ratio_vs_ccxt`` >= 3.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import multiprocessing
import platform
import socket
import struct
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "runtime"))
sys.path.insert(0, str(ROOT / "generated"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402
from _book_workload import SYMBOL, TruthBook, depth_updates, generate  # noqa: E402
from aiohttp import web  # noqa: E402

PAIR = "BTC-USDT"
EVENTS = 200_000
PREFIX = 50
SNAPSHOT_AT = 20
REPEAT = 3
CCXT_COMPARED_LEVELS = 100
CHUNK_FRAMES = 256  # frames the server writes at once (about 95 kB)
WRITE_BUFFER_BYTES = 1 << 20  # the server writes the next chunk once less than this waits for the socket
TIMEOUT_S = 300.0

EXCHANGE_INFO = {
    "timezone": "UTC",
    "serverTime": 1_700_000_000_000,
    "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000}],
    "exchangeFilters": [],
    "symbols": [
        {
            # Shape from Binance's exchangeInfo documentation (as in specs/binance.yaml); values for BTCUSDT.
            "symbol": SYMBOL,
            "status": "TRADING",
            "baseAsset": "BTC",
            "baseAssetPrecision": 8,
            "quoteAsset": "USDT",
            "quotePrecision": 8,
            "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
            "icebergAllowed": True,
            "ocoAllowed": True,
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000.00", "tickSize": "0.01"},
                {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
                {"filterType": "NOTIONAL", "minNotional": "5.00000000", "maxNotional": "9000000.00000000"},
            ],
            "permissions": ["SPOT"],
            "permissionSets": [["SPOT"]],
        }
    ],
}


# ------------------------------------------------------------------------------------------------------ the server


class Stream:
    """What the server replays: the snapshot body and the pre-encoded websocket frames."""

    def __init__(self, n_events: int) -> None:
        snap_bids, snap_asks, diffs = generate(n_diffs=n_events)
        events = depth_updates(diffs)
        truth = TruthBook(snap_bids, snap_asks)
        for event in events[: SNAPSHOT_AT + 1]:
            truth.apply(event["b"], event["a"])
        bids, asks = truth.rows()
        self.snapshot = json.dumps({"lastUpdateId": events[SNAPSHOT_AT]["u"], "bids": bids, "asks": asks})
        for event in events[SNAPSHOT_AT + 1 :]:
            truth.apply(event["b"], event["a"])
        self.truth = truth.levels()
        self.frames = [json.dumps(event, separators=(",", ":")) for event in events]
        # The same frames as they go on the wire (RFC 6455, server to client: final text frames, unmasked), in
        # chunks of CHUNK_FRAMES: the stream is written a chunk at a time (see ``serve``).
        wire = [text_frame(frame) for frame in self.frames]
        self.prefix_wire = b"".join(wire[:PREFIX])
        self.chunks = [b"".join(wire[i : i + CHUNK_FRAMES]) for i in range(PREFIX, len(wire), CHUNK_FRAMES)]
        self.last_update_id: int = events[-1]["u"]


def text_frame(text: str) -> bytes:
    """One final, unmasked websocket text frame carrying ``text`` (RFC 6455 section 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


def serve(stream: Stream, port: int, ready: Any) -> None:
    """The fake exchange (run in a child process)."""

    async def main() -> None:
        connections: list[asyncio.Event] = []

        async def depth(request: web.Request) -> web.Response:
            if connections:
                connections[-1].set()
            return web.Response(text=stream.snapshot, content_type="application/json")

        async def exchange_info(request: web.Request) -> web.Response:
            return web.json_response(EXCHANGE_INFO)

        async def server_time(request: web.Request) -> web.Response:
            return web.json_response({"serverTime": int(time.time() * 1000)})

        async def ticker(request: web.Request) -> web.Response:
            return web.json_response({"symbol": SYMBOL, "price": "30000.00"})

        async def websocket(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse(max_msg_size=0)
            await ws.prepare(request)
            snapshot_served = asyncio.Event()
            connections.append(snapshot_served)
            streaming: asyncio.Task[None] | None = None

            async def play() -> None:
                # The frames are written pre-encoded, a chunk at a time, straight to the connection's transport
                # (aiohttp's own writer sends the subscription replies and pongs, whole frames between chunks).
                # ``ws.send_str`` per frame cost this process about 2 us a frame: on a busy 2-core machine that CPU
                # is taken from the client being measured, more so from the faster one. Back-pressure: wait while
                # more than WRITE_BUFFER_BYTES are queued for the socket.
                transport = request.transport
                assert transport is not None
                transport.write(stream.prefix_wire)
                await snapshot_served.wait()
                for chunk in stream.chunks:
                    if transport.is_closing():
                        return
                    transport.write(chunk)
                    while transport.get_write_buffer_size() > WRITE_BUFFER_BYTES and not transport.is_closing():
                        await asyncio.sleep(0.001)

            try:
                async for msg in ws:
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        continue
                    request_body = json.loads(msg.data)
                    await ws.send_str(json.dumps({"result": None, "id": request_body.get("id")}))
                    params = request_body.get("params") or []
                    wants_depth = any("@depth" in str(p) for p in params)
                    if request_body.get("method") == "SUBSCRIBE" and wants_depth and streaming is None:
                        streaming = asyncio.create_task(play())
            finally:
                if streaming is not None:
                    streaming.cancel()
            return ws

        app = web.Application()
        app.router.add_get("/api/v3/depth", depth)
        app.router.add_get("/api/v3/exchangeInfo", exchange_info)
        app.router.add_get("/api/v3/time", server_time)
        app.router.add_get("/api/v3/ticker/price", ticker)
        app.router.add_get("/ws{tail:.*}", websocket)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------------------------------------------ the clients


async def run_hbgen(port: int, last_update_id: int) -> tuple[float, Any]:
    from binance import binance_constants as CONSTANTS
    from binance.binance_exchange import BinanceExchange

    CONSTANTS.REST_URLS[CONSTANTS.DEFAULT_DOMAIN] = f"http://127.0.0.1:{port}/api"
    CONSTANTS.WSS_URLS[CONSTANTS.DEFAULT_DOMAIN][CONSTANTS.PUBLIC_WS_URL_NAME] = f"ws://127.0.0.1:{port}/ws"
    exchange = BinanceExchange("bench-key", "bench-secret", trading_pairs=[PAIR], trading_required=False)
    await exchange.trading_pair_symbol_map()  # markets loaded before the clock starts, as for CCXT
    tracker = exchange.order_book_tracker
    book = tracker.get_order_book(PAIR)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        tracker.start()
        deadline = started + TIMEOUT_S
        while book.last_diff_uid != last_update_id or not tracker.is_consistent(PAIR):
            if time.perf_counter() > deadline:
                raise TimeoutError(f"hbgen: book at {book.last_diff_uid}, expected {last_update_id}")
            await asyncio.sleep(0.002)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        levels = (
            [(row.price, row.amount) for row in book.bid_entries()],
            [(row.price, row.amount) for row in book.ask_entries()],
        )
        stats = tracker.integrity_stats(PAIR)
    finally:
        tracker.stop()
        await exchange._web_assistants_factory.close()
    return elapsed, cpu, (levels, stats)


async def run_ccxt(port: int, last_update_id: int) -> tuple[float, Any]:
    import ccxt.pro

    exchange = ccxt.pro.binance({"options": {"fetchMarkets": {"types": ["spot"]}, "watchOrderBookLimit": 1000}})
    exchange.urls["api"]["public"] = f"http://127.0.0.1:{port}/api/v3"
    exchange.urls["api"]["ws"]["spot"] = f"ws://127.0.0.1:{port}/ws"
    try:
        await exchange.load_markets()
        started, cpu = time.perf_counter(), time.process_time()
        deadline = started + TIMEOUT_S
        while True:
            book = await exchange.watch_order_book("BTC/USDT")
            if book["nonce"] == last_update_id:
                break
            if time.perf_counter() > deadline:
                raise TimeoutError(f"ccxt: book at {book['nonce']}, expected {last_update_id}")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        levels = ([tuple(level) for level in book["bids"]], [tuple(level) for level in book["asks"]])
    finally:
        await exchange.close()
    return elapsed, cpu, levels


def ccxt_matches(levels: Any, truth: Any, n: int) -> bool:
    for got, want in zip(levels, truth, strict=True):
        expected = [(float(price), float(amount)) for price, amount in want[:n]]
        if [(float(price), float(amount)) for price, amount in got[:n]] != expected:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the clients log reconnects etc. at teardown; the JSON line is the output
    wall = time.perf_counter()
    stream = Stream(args.events)
    port = free_port()
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    server = context.Process(target=serve, args=(stream, port, ready), daemon=True)
    server.start()
    try:
        if not ready.wait(60):
            raise RuntimeError("the loopback server did not start")
        gc.collect()
        hb_times: list[float] = []
        ccxt_times: list[float] = []
        hb_cpu: list[float] = []
        ccxt_cpu: list[float] = []
        hb_result: Any = None
        ccxt_levels: Any = None
        for _ in range(args.repeat):
            elapsed, cpu, hb_result = asyncio.run(run_hbgen(port, stream.last_update_id))
            hb_times.append(elapsed)
            hb_cpu.append(cpu)
            elapsed, cpu, ccxt_levels = asyncio.run(run_ccxt(port, stream.last_update_id))
            ccxt_times.append(elapsed)
            ccxt_cpu.append(cpu)
    finally:
        server.terminate()
        server.join(10)
    (levels, stats) = hb_result
    truth = stream.truth
    book_equals_truth = levels == (
        [(Decimal(p), Decimal(a)) for p, a in truth[0]],
        [(Decimal(p), Decimal(a)) for p, a in truth[1]],
    )
    best, ccxt_best = min(hb_times), min(ccxt_times)
    result = {
        "benchmark": "e2e_book",
        "python": platform.python_version(),
        "events": args.events,
        "diffs_per_s": round(args.events / best),
        "ccxt_diffs_per_s": round(args.events / ccxt_best),
        "ratio_vs_ccxt": round(ccxt_best / best, 2),
        "book_equals_truth": book_equals_truth,
        "ccxt_book_equals_truth": ccxt_matches(ccxt_levels, truth, CCXT_COMPARED_LEVELS),
        "cpu_us_per_diff": round(min(hb_cpu) / args.events * 1e6, 2),
        "ccxt_cpu_us_per_diff": round(min(ccxt_cpu) / args.events * 1e6, 2),
        "cpu_ratio_vs_ccxt": round(min(ccxt_cpu) / min(hb_cpu), 2),
        "integrity": stats,
        "runs_s": [round(t, 3) for t in hb_times],
        "ccxt_runs_s": [round(t, 3) for t in ccxt_times],
        "repeat": args.repeat,
        "wall_s": round(time.perf_counter() - wall, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
