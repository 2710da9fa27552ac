"""The websocket assistant: processors, authentication and optional throttling around one websocket."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Mapping, Sequence

from hbrt.web_assistant.auth import AuthBase
from hbrt.web_assistant.connections.data_types import WSRequest, WSResponse
from hbrt.web_assistant.connections.ws_connection import WSConnection
from hbrt.web_assistant.processors import WSPostProcessorBase, WSPreProcessorBase
from hbrt.web_assistant.rest_assistant import ThrottlerLike


class WSAssistant:
    """A connector's view of one websocket.

    :meth:`send` runs (optionally inside ``throttler.execute_task(request.throttler_limit_id)``) the pre-processors,
    then ``auth.ws_authenticate`` when ``request.is_auth_required``, then sends. Unlike Hummingbot, where websocket
    sends are never rate-limited, sends are throttled when the assistant was built with ``throttle_sends=True``
    (``WebAssistantsFactory(throttle_ws_sends=True)``) or ``send(..., throttle=True)`` is used, and the request has a
    ``throttler_limit_id``. Received messages go through the post-processors.
    """

    def __init__(
        self,
        connection: WSConnection,
        ws_pre_processors: Sequence[WSPreProcessorBase] | None = None,
        ws_post_processors: Sequence[WSPostProcessorBase] | None = None,
        auth: AuthBase | None = None,
        throttler: ThrottlerLike | None = None,
        throttle_sends: bool = False,
    ) -> None:
        self._connection = connection
        self._ws_pre_processors = list(ws_pre_processors or [])
        self._ws_post_processors = list(ws_post_processors or [])
        self._auth = auth
        self._throttler = throttler
        self._throttle_sends = throttle_sends

    @property
    def last_recv_time(self) -> float:
        return self._connection.last_recv_time

    @property
    def ping_timeout(self) -> float | None:
        """The liveness interval ``connect`` was given (seconds; None: not checked)."""
        return self._connection.ping_timeout

    @property
    def connected(self) -> bool:
        return self._connection.connected

    async def connect(
        self,
        ws_url: str,
        *,
        ping_timeout: float | None = 10,
        message_timeout: float | None = None,
        ws_headers: Mapping[str, str] | None = None,
        max_msg_size: int | None = None,
    ) -> None:
        await self._connection.connect(
            ws_url=ws_url,
            ping_timeout=ping_timeout,
            message_timeout=message_timeout,
            ws_headers=ws_headers,
            max_msg_size=max_msg_size,
        )

    async def disconnect(self) -> None:
        await self._connection.disconnect()

    async def subscribe(self, request: WSRequest) -> None:
        """Same as :meth:`send`; kept for Hummingbot naming."""
        await self.send(request)

    async def send(self, request: WSRequest, *, throttle: bool | None = None) -> None:
        """Send ``request``; ``throttle`` overrides the assistant's ``throttle_sends`` for this request."""
        should_throttle = self._throttle_sends if throttle is None else throttle
        limit_id = request.throttler_limit_id
        if should_throttle and limit_id is not None:
            if self._throttler is None:
                raise RuntimeError("Throttled websocket send requested but this WSAssistant has no throttler")
            async with self._throttler.execute_task(limit_id=limit_id):
                await self._prepare_and_send(request)
        else:
            await self._prepare_and_send(request)

    async def ping(self) -> None:
        await self._connection.ping()

    def receive(self) -> Awaitable[WSResponse | None]:
        """The next post-processed message, or ``None`` once this side disconnected (an awaitable).

        Without post-processors this is the connection's own ``receive()``: one coroutine less per message.
        """
        if self._ws_post_processors:
            return self._receive_post_processed()
        return self._connection.receive()

    async def _receive_post_processed(self) -> WSResponse | None:
        response = await self._connection.receive()
        if response is not None:
            response = await self._post_process(response)
        return response

    async def iter_messages(self) -> AsyncIterator[WSResponse]:
        """Yield post-processed messages until this side disconnects; an unexpected close raises ConnectionError."""
        while self._connection.connected:
            response = await self.receive()
            if response is not None:
                yield response

    async def _prepare_and_send(self, request: WSRequest) -> None:
        request = copy.deepcopy(request)
        for pre_processor in self._ws_pre_processors:
            request = await pre_processor.pre_process(request)
        if request.is_auth_required and self._auth is not None:
            request = await self._auth.ws_authenticate(request)
        await self._connection.send(request)

    async def _post_process(self, response: WSResponse) -> WSResponse:
        for post_processor in self._ws_post_processors:
            response = await post_processor.post_process(response)
        return response
