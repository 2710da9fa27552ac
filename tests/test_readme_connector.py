"""README's "Using a generated connector" program, run as written against a loopback exchange (issue 10 §2).

The program is read out of README.md (the ```python block after the ``readme: using-a-generated-connector`` marker)
and executed unchanged. The only difference from a real run is where the connector's URLs point: the test aims the
domain's REST and websocket URLs of the generated ``binance`` constants at :class:`LoopbackExchange`, a real aiohttp
server on 127.0.0.1 that answers from the spec: every endpoint with its example response, the public websocket with
its subscription acknowledgement and every channel's example, the private websocket with the reply its login success
rule asks for. (Not the private events' examples: an account update for one asset would make the connector ready
before the REST balances arrive, as it would on the real exchange only if such an event came first.)

The README trades BTC-USDT; the spec's examples use the placeholder assets COINALPHA and HBOT, so the server renames
them (COINALPHA -> BTC, HBOT -> USDT) in what it sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import threading
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from hbrt.testing.payloads import satisfy

from hbgen.codegen.literals import predicate_literals
from hbgen.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARKER = "<!-- readme: using-a-generated-connector -->"
RENAMES = {"COINALPHA": "BTC", "HBOT": "USDT"}


def readme_program() -> str:
    text = README.read_text(encoding="utf-8")
    assert MARKER in text, "README lost its 'Using a generated connector' program"
    found = re.search(r"```python\n(.*?)```", text[text.index(MARKER) :], re.DOTALL)
    assert found is not None
    return found.group(1)


class LoopbackExchange:
    """A real aiohttp server on 127.0.0.1 that answers a connector with a spec's example payloads."""

    def __init__(self, model: Any, renames: Mapping[str, str]) -> None:
        self.model = model
        self.renames = renames
        self.requests: list[tuple[str, str]] = []
        self.ws_received: dict[str, list[Any]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    def _renamed(self, payload: Any) -> Any:
        text = json.dumps(payload)
        for old, new in self.renames.items():
            text = text.replace(old, new)
        return json.loads(text)

    async def start(self) -> None:
        app = web.Application()
        for endpoint in self.model.endpoints.values():
            app.router.add_route(endpoint.method, "/rest" + endpoint.path, self._rest(endpoint))
        for name in self.model.domains[next(iter(self.model.domains))].ws_urls:
            app.router.add_get(f"/ws/{name}", self._websocket(name))
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/rest"

    def ws_url(self, name: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/{name}"

    def _rest(self, endpoint: Any) -> Any:
        async def answer(request: web.Request) -> web.Response:
            self.requests.append((request.method, endpoint.name))
            return web.json_response(self._renamed(endpoint.example_response))

        return answer

    def _websocket(self, name: str) -> Any:
        ws_spec = self.model.ws
        public = ws_spec.public if ws_spec.public is not None and ws_spec.public.url == name else None
        private = ws_spec.private if ws_spec.private is not None and ws_spec.private.url == name else None

        async def serve(request: web.Request) -> web.WebSocketResponse:
            socket = web.WebSocketResponse()
            await socket.prepare(request)
            received = self.ws_received.setdefault(name, [])
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                received.append(data)
                request_id = data.get("id") if isinstance(data, dict) else None
                if public is not None:
                    ack: dict[str, Any] = {"id": request_id}
                    satisfy(ack, predicate_literals(public.ack))
                    await socket.send_json(ack)
                    for channel in public.channels.values():
                        if channel.example is not None:
                            await socket.send_json(self._renamed(channel.example))
                if private is not None and len(received) == 1:  # the login
                    reply: dict[str, Any] = {"id": request_id}
                    satisfy(reply, predicate_literals(private.login.success))
                    await socket.send_json(reply)
            return socket

        return serve


@contextlib.contextmanager
def aimed_at(server: LoopbackExchange) -> Iterator[None]:
    """The generated constants of the default domain pointed at ``server`` for the duration (imported now: the module
    the program's own import will find, even after another test dropped ``binance`` from ``sys.modules``)."""
    import importlib

    CONSTANTS: Any = importlib.import_module("binance.binance_constants")
    domain = CONSTANTS.DEFAULT_DOMAIN
    rest, ws = CONSTANTS.REST_URLS[domain], CONSTANTS.WSS_URLS[domain]
    CONSTANTS.REST_URLS[domain] = server.rest_url
    CONSTANTS.WSS_URLS[domain] = {name: server.ws_url(name) for name in ws}
    try:
        yield
    finally:
        CONSTANTS.REST_URLS[domain], CONSTANTS.WSS_URLS[domain] = rest, ws


def test_the_readme_program_runs_against_a_loopback_exchange() -> None:
    model = load_spec(ROOT / "specs" / "binance.yaml")
    server = LoopbackExchange(model, RENAMES)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(server.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    output = io.StringIO()
    try:
        with aimed_at(server), contextlib.redirect_stdout(output):
            exec(compile(readme_program(), str(README), "exec"), {"__name__": "__main__"})  # its own asyncio.run
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()

    lines = output.getvalue().splitlines()
    book = json.loads(model.endpoints["order_book_snapshot"].example_response_json)
    balance = next(b for b in model.endpoints["balances"].example_response["balances"] if b["asset"] == "HBOT")

    assert lines[0] == f"best bid {Decimal(book['bids'][0][0])}, best ask {Decimal(book['asks'][0][0])}"
    assert lines[1] == f"USDT balance {Decimal(balance['free']) + Decimal(balance['locked'])}"
    assert re.fullmatch(r"placed \S+", lines[2]) and lines[3] == lines[2].replace("placed", "cancelled")
    assert ("POST", "create_order") in server.requests and ("DELETE", "cancel_order") in server.requests
    assert server.ws_received.get("stream"), "the public stream was never subscribed"
    assert server.ws_received.get("api"), "the private stream never logged in"


def test_stop_closes_the_connections_the_program_opened() -> None:
    """The README program ends with ``stop()``: no "Unclosed client session" warning may follow it."""
    from binance.binance_exchange import BinanceExchange

    async def run() -> None:
        exchange = BinanceExchange(binance_api_key="k", binance_api_secret="s", trading_pairs=["BTC-USDT"])
        session = await exchange._web_assistants_factory.connections_factory.get_session()
        await exchange.stop()
        assert session.closed

    asyncio.run(run())
