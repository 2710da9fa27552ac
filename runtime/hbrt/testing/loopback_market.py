"""A real exchange-like market-data server on 127.0.0.1 for tests and benchmarks that need real sockets.

:class:`LoopbackMarketServer` runs an aiohttp application on a free local port with

* REST routes whose JSON answer the caller computes at request time (``set_rest(path, body)``; ``body`` is a
  function, so a snapshot reflects the simulated exchange *when it is asked*), counting requests per path;
* one websocket route: every text message a client sends is recorded and answered by ``on_message`` (a
  subscription ack, for instance); the caller then pushes frames to every open connection with :meth:`send`,
  and can drop the connections at any moment with :meth:`drop`.

It knows nothing about any exchange's message format: the caller decides every byte, including the faults it
wants to inject (a lost, repeated or swapped diff is simply what the caller sends or does not send).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web


class LoopbackMarketServer:
    """See the module docstring. Use ``async with LoopbackMarketServer() as server:`` or start/close it."""

    def __init__(self, ws_path: str = "/ws") -> None:
        self._ws_path = ws_path
        self._rest: dict[str, Callable[[web.Request], Any]] = {}
        self._runner: web.AppRunner | None = None
        self._connections: list[web.WebSocketResponse] = []
        self.port = 0
        self.requests: Counter[str] = Counter()
        self.received: list[Any] = []  # every message clients sent on the websocket, decoded when JSON
        self.connections_made = 0
        self.connected = asyncio.Event()  # set while at least one websocket is open
        #: Answer to one client message (None sends nothing). Default: nothing.
        self.on_message: Callable[[Any], Any] = lambda message: None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        for ws in list(self._connections):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackMarketServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}{self._ws_path}"

    # ------------------------------------------------------------------ REST

    def set_rest(self, path: str, body: Callable[[web.Request], Any]) -> None:
        """Answer GET/POST ``path`` with ``body(request)`` as JSON (an ``aiohttp.web.Response`` is sent as is)."""
        self._rest[path] = body

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.path == self._ws_path and request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request)
        handler = self._rest.get(request.path)
        if handler is None:
            return web.json_response({"error": f"no route {request.path}"}, status=404)
        self.requests[request.path] += 1
        answer = handler(request)
        if asyncio.iscoroutine(answer):
            answer = await answer
        if isinstance(answer, web.StreamResponse):
            return answer
        return web.json_response(answer)

    # ------------------------------------------------------------------ websocket

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._connections.append(ws)
        self.connections_made += 1
        self.connected.set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    message: Any = json.loads(msg.data)
                except ValueError:
                    message = msg.data
                self.received.append(message)
                reply = self.on_message(message)
                if reply is not None:
                    await ws.send_str(reply if isinstance(reply, str) else json.dumps(reply))
        finally:
            if ws in self._connections:
                self._connections.remove(ws)
            if not self._connections:
                self.connected.clear()
        return ws

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    async def send(self, frame: Any) -> None:
        """Send one frame (a ``str`` as is, anything else as JSON) to every open websocket."""
        text = frame if isinstance(frame, str) else json.dumps(frame)
        for ws in list(self._connections):
            if not ws.closed:
                await ws.send_str(text)

    async def drop(self) -> None:
        """Close every open websocket with a close frame (the server going away)."""
        for ws in list(self._connections):
            await ws.close(code=1001, message=b"going away")
