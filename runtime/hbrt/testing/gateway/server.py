"""``LoopbackGateway``: a real aiohttp server on 127.0.0.1 that answers like Gateway 2.13 (gateway.md §1-§3).

It implements the routes the runtime calls, validates requests as Gateway's Fastify/Ajv defaults do (400
validation bodies), simulates transactions through a :class:`~hbrt.testing.gateway.world.World`, and fails on
command::

    async with LoopbackGateway() as gateway:            # default world: Ethereum mainnet + Solana mainnet-beta
        gateway.plan("pending", fate="confirm", polls=2)  # the next transaction: pending, confirmed at the 2nd poll
        gateway.fail_next("trading/swap/execute", 504, "Transaction failed to confirm", code="TRANSACTION_TIMEOUT")
        gateway.delay_next("trading/swap/quote", 2.0)     # answer late (client timeouts)
        gateway.answer_next("trading/swap/quote", reply)  # answer a validated request with a given body
        await gateway.go_offline(); await gateway.go_online()
        gateway.calls("POST", "trading/swap/execute")   # every body received on a route

Errors have Gateway's shapes: ``{statusCode, error, message[, code]}``; with ``rate_limit=(n, seconds)`` requests
beyond ``n`` per window get 429 with a ``Retry-After`` header.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections import deque
from decimal import Decimal
from types import TracebackType
from typing import Any

from aiohttp import web

from hbrt.gateway.transport import GatewayConnectionSettings
from hbrt.testing.gateway import routes
from hbrt.testing.gateway.routes import GatewayHttpError
from hbrt.testing.gateway.validation import RequestValidationError
from hbrt.testing.gateway.world import Plan, World, default_world


def _dumps(value: Any) -> str:
    return json.dumps(value, default=lambda item: float(item) if isinstance(item, Decimal) else str(item))


class LoopbackGateway:
    def __init__(
        self,
        world: World | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
        rate_limit: tuple[int, float] | None = None,
    ) -> None:
        self.world = world if world is not None else default_world()
        self._ssl_context = ssl_context
        self._rate_limit = rate_limit
        self._hits: deque[float] = deque()
        self._failures: list[tuple[str, int, str, str | None, str]] = []
        self._delays: list[tuple[str, float]] = []
        self._answers: list[tuple[str, int, Any]] = []
        self.requests: list[tuple[str, str, Any]] = []
        self._runner: web.AppRunner | None = None
        self._port = 0

    # ---- lifecycle ----------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"{'https' if self._ssl_context else 'http'}://127.0.0.1:{self._port}"

    def settings(self, **overrides: Any) -> GatewayConnectionSettings:
        """Client settings pointing at this server (add ``use_ssl``/``certs_path`` for TLS)."""
        return GatewayConnectionSettings(host="127.0.0.1", port=self._port, **overrides)

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        routes.install(app, self)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port, ssl_context=self._ssl_context)
        await site.start()
        if self._port == 0:
            server = site._server
            assert server is not None and hasattr(server, "sockets")
            self._port = int(server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def go_offline(self) -> None:
        """Close the listener and every open connection: clients see refused or broken connections."""
        await self.stop()

    async def go_online(self) -> None:
        """Listen again on the same port."""
        if self._runner is None:
            await self.start()

    async def __aenter__(self) -> LoopbackGateway:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # ---- commands -----------------------------------------------------------------------------------------------

    def plan(self, mode: str = "confirmed", fate: str = "confirm", polls: int = 1) -> None:
        """How the next transaction behaves (see :class:`~hbrt.testing.gateway.world.Plan`); plans queue up."""
        if mode not in ("confirmed", "pending", "failed") or fate not in ("confirm", "fail", "revert", "lost"):
            raise ValueError(f"Unknown plan {mode}/{fate}.")
        self.world.plans.append(Plan(mode, fate, polls))

    def fail_next(
        self, path: str, status: int, message: str, code: str | None = None, error: str = "HttpError", times: int = 1
    ) -> None:
        """The next ``times`` requests whose path starts with ``path`` get this error body instead of an answer."""
        self._failures.extend([(path.lstrip("/"), status, message, code, error)] * times)

    def answer_next(self, path: str, body: Any, status: int = 200) -> None:
        """The next request on exactly ``path`` gets ``body`` (after validation), e.g. a spec's example reply."""
        self._answers.append((path.lstrip("/"), status, body))

    def delay_next(self, path: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` requests on ``path`` are answered after ``seconds``."""
        self._delays.extend([(path.lstrip("/"), seconds)] * times)

    def calls(self, method: str, path: str) -> list[Any]:
        """The payload (query or body) of every request received with this method and exact path."""
        wanted = path.lstrip("/")
        return [payload for verb, seen, payload in self.requests if verb == method and seen == wanted]

    # ---- request pipeline ---------------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path.lstrip("/")
        payload: Any = dict(request.query)
        if request.method != "GET" and request.can_read_body:
            try:
                payload = await request.json()
            except ValueError:
                return self._error(400, "Body is not valid JSON", error="Bad Request")
        self.requests.append((request.method, path, payload))
        request["payload"] = payload
        if self._rate_limit is not None:
            limited = self._check_rate_limit()
            if limited is not None:
                return limited
        failure = next((item for item in self._failures if path.startswith(item[0])), None)
        if failure is not None:
            self._failures.remove(failure)
            return self._error(failure[1], failure[2], failure[3], failure[4])
        delay = next((item for item in self._delays if path.startswith(item[0])), None)
        if delay is not None:
            self._delays.remove(delay)
            await asyncio.sleep(delay[1])
        answer = next((item for item in self._answers if item[0] == path), None)
        try:
            result = await handler(request)
            if answer is not None:
                self._answers.remove(answer)
                return web.json_response(answer[2], status=answer[1], dumps=_dumps)
        except RequestValidationError as invalid:
            return web.json_response(invalid.body, status=400, dumps=_dumps)
        except GatewayHttpError as failed:
            return self._error(failed.status, failed.message, failed.code, failed.error)
        except web.HTTPNotFound:
            return self._error(404, f"Route {request.method}:{request.path} not found", error="Not Found")
        except Exception:
            return web.json_response(
                {"statusCode": 500, "error": "Internal Server Error", "message": "An unexpected error occurred"},
                status=500,
            )
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result, dumps=_dumps)

    def _check_rate_limit(self) -> web.Response | None:
        assert self._rate_limit is not None
        limit, window = self._rate_limit
        now = time.monotonic()
        while self._hits and self._hits[0] <= now - window:
            self._hits.popleft()
        if len(self._hits) < limit:
            self._hits.append(now)
            return None
        retry_after = max(0.0, self._hits[0] + window - now)
        body = {
            "statusCode": 429,
            "error": "Too Many Requests",
            "message": f"Rate limit exceeded, retry in {retry_after:.0f} seconds",
        }
        return web.json_response(body, status=429, headers={"Retry-After": f"{retry_after:.3f}"})

    @staticmethod
    def _error(status: int, message: str, code: str | None = None, error: str = "HttpError") -> web.Response:
        body: dict[str, Any] = {"statusCode": status, "error": error, "message": message}
        if code is not None:
            body["code"] = code
        return web.json_response(body, status=status)
