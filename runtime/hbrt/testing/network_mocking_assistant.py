"""Websocket mocks for connector tests, in the role of Hummingbot's ``NetworkMockingAssistant``.

A websocket mock is an :class:`unittest.mock.AsyncMock` that behaves like an aiohttp client websocket:
``receive()`` (and ``receive_json``/``receive_str``) take the next item from a per-mock :class:`asyncio.Queue` and
block like a real socket when it is empty; an exception object in the queue is raised instead of returned.
``send_json``/``send_str``/``send_bytes`` record what was sent. ``close()`` marks the mock closed and wakes a
reader blocked in ``receive()`` with a CLOSED frame, as aiohttp does.

Two ways to plug a mock in: patch ``aiohttp.ClientSession.ws_connect`` with an ``AsyncMock`` returning
:meth:`NetworkMockingAssistant.create_websocket_mock`, or, without patching anything,
:meth:`NetworkMockingAssistant.configure_web_assistants_factory`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from unittest.mock import AsyncMock

import aiohttp

if TYPE_CHECKING:
    from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory


@dataclass
class _WebsocketMockState:
    queue: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)
    waiting_readers: int = 0


@dataclass
class WSConnectCall:
    """One ``ws_connect`` call seen by :class:`MockWebsocketClientSession`."""

    url: str
    kwargs: dict[str, Any]


class MockWebsocketClientSession:
    """Stands in for an aiohttp session's ``ws_connect``: returns the given mocks in order (the last one repeats).

    Every call is recorded in :attr:`connect_calls` (url and keyword arguments, e.g. ``headers``). A connect whose
    mock is an exception instance raises it, to simulate a refused connection.
    """

    def __init__(self, ws_mocks: Sequence[Any]) -> None:
        if not ws_mocks:
            raise ValueError("MockWebsocketClientSession needs at least one websocket mock")
        self._ws_mocks = list(ws_mocks)
        self.connect_calls: list[WSConnectCall] = []

    async def ws_connect(self, url: str, **kwargs: Any) -> Any:
        self.connect_calls.append(WSConnectCall(url=url, kwargs=kwargs))
        ws = self._ws_mocks.pop(0) if len(self._ws_mocks) > 1 else self._ws_mocks[0]
        if isinstance(ws, BaseException):
            raise ws
        ws.closed = False
        return ws


class NetworkMockingAssistant:
    """Creates websocket mocks, feeds them messages and reports what the code under test sent.

    ``event_loop`` (optional, as in Hummingbot's ``NetworkMockingAssistant(event_loop)``) is the loop the mocks are
    read from; the assistant can then be built outside it (in a synchronous ``setUp``). Without it the assistant binds
    to the loop of the first read, or of :meth:`async_init`. Unlike Hummingbot's, nothing has to be initialised
    first: the queues bind lazily. Reading a mock from another loop raises ``RuntimeError`` saying so.
    """

    def __init__(self, event_loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.mock_ws_session: MockWebsocketClientSession | None = None
        self._event_loop = event_loop

    @property
    def event_loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop the mocks belong to (None until the first read or :meth:`async_init` without ``event_loop``)."""
        return self._event_loop

    async def async_init(self) -> None:
        """Bind to the running loop (Hummingbot's name for it; optional here)."""
        self._check_loop()

    def _check_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if self._event_loop is None:
            self._event_loop = loop
        elif self._event_loop is not loop:
            raise RuntimeError(
                "this NetworkMockingAssistant belongs to another event loop: create it in the test's loop or pass "
                "that loop as event_loop"
            )

    # ----------------------------------------------------------------------------------------------- creation
    def create_websocket_mock(self) -> AsyncMock:
        """A new websocket mock with its own empty incoming queue."""
        ws = AsyncMock()
        state = _WebsocketMockState()
        ws.hbrt_mock_state = state
        ws.closed = False
        ws.close_code = None

        async def receive(*args: Any, **kwargs: Any) -> Any:
            timeout = kwargs.get("timeout", args[0] if args else None)
            return await self._next_item(state, timeout)

        async def receive_json(*args: Any, **kwargs: Any) -> Any:
            msg = await receive(*args, **{k: v for k, v in kwargs.items() if k == "timeout"})
            return json.loads(msg.data) if isinstance(msg, aiohttp.WSMessage) else msg

        async def receive_str(*args: Any, **kwargs: Any) -> Any:
            msg = await receive(*args, **{k: v for k, v in kwargs.items() if k == "timeout"})
            return msg.data if isinstance(msg, aiohttp.WSMessage) else msg

        async def close(*args: Any, **kwargs: Any) -> bool:
            was_open = not ws.closed
            ws.closed = True
            for _ in range(state.waiting_readers):
                state.queue.put_nowait(aiohttp.WSMessage(aiohttp.WSMsgType.CLOSED, None, None))
            return bool(was_open)

        ws.receive.side_effect = receive
        ws.receive_json.side_effect = receive_json
        ws.receive_str.side_effect = receive_str
        ws.close.side_effect = close
        return ws

    async def _next_item(self, state: _WebsocketMockState, timeout: float | None) -> Any:
        self._check_loop()
        state.waiting_readers += 1
        try:
            async with asyncio.timeout(timeout or None):
                item = await state.queue.get()
        finally:
            state.waiting_readers -= 1
        state.queue.task_done()
        if isinstance(item, BaseException):
            raise item
        return item

    def configure_web_assistants_factory(
        self, web_assistants_factory: WebAssistantsFactory, ws_mocks: Sequence[Any] | None = None
    ) -> AsyncMock:
        """Make the factory's websocket connections use mocks; return the (first) mock.

        With ``ws_mocks`` the successive connects get those mocks in order (the last repeats; an exception instance
        makes that connect fail), which is how reconnects are tested. The session stand-in is kept in
        :attr:`mock_ws_session` to inspect the connect calls. REST traffic is untouched (mock it with aioresponses).
        """
        mocks = list(ws_mocks) if ws_mocks else [self.create_websocket_mock()]
        session = MockWebsocketClientSession(mocks)
        web_assistants_factory.connections_factory.set_ws_session(session)
        self.mock_ws_session = session
        first_mock = next((m for m in mocks if not isinstance(m, BaseException)), None)
        if first_mock is None:
            raise ValueError("ws_mocks must contain at least one websocket mock")
        return first_mock

    @property
    def ws_connect_calls(self) -> list[WSConnectCall]:
        """Every websocket connect made through the session :meth:`configure_web_assistants_factory` installed."""
        if self.mock_ws_session is None:
            raise RuntimeError("no websocket session is installed: call configure_web_assistants_factory first")
        return self.mock_ws_session.connect_calls

    # ------------------------------------------------------------------------------------------------ feeding
    def _state(self, websocket_mock: AsyncMock) -> _WebsocketMockState:
        state = getattr(websocket_mock, "hbrt_mock_state", None)
        if not isinstance(state, _WebsocketMockState):
            raise ValueError("not a websocket mock created by NetworkMockingAssistant.create_websocket_mock()")
        return state

    def add_websocket_aiohttp_message(
        self,
        websocket_mock: AsyncMock,
        message: str | bytes | None,
        message_type: aiohttp.WSMsgType = aiohttp.WSMsgType.TEXT,
    ) -> None:
        """Queue one frame (an aiohttp ``WSMessage`` of ``message_type`` carrying ``message``)."""
        self._state(websocket_mock).queue.put_nowait(aiohttp.WSMessage(message_type, message, None))

    def add_websocket_json_message(self, websocket_mock: AsyncMock, message: Any) -> None:
        """Queue ``message`` as a JSON text frame."""
        self.add_websocket_aiohttp_message(websocket_mock, json.dumps(message))

    def add_websocket_text_message(self, websocket_mock: AsyncMock, message: str) -> None:
        self.add_websocket_aiohttp_message(websocket_mock, message)

    def add_websocket_aiohttp_exception(self, websocket_mock: AsyncMock, exception: BaseException) -> None:
        """Queue an exception; the ``receive()`` that takes it raises it."""
        self._state(websocket_mock).queue.put_nowait(exception)

    # --------------------------------------------------------------------------------------------- inspecting
    @staticmethod
    def json_messages_sent_through_websocket(websocket_mock: AsyncMock) -> list[Any]:
        return [call.args[0] if call.args else call.kwargs["data"] for call in websocket_mock.send_json.call_args_list]

    @staticmethod
    def text_messages_sent_through_websocket(websocket_mock: AsyncMock) -> list[str]:
        return [call.args[0] if call.args else call.kwargs["data"] for call in websocket_mock.send_str.call_args_list]

    @staticmethod
    def binary_messages_sent_through_websocket(websocket_mock: AsyncMock) -> list[bytes]:
        return [call.args[0] if call.args else call.kwargs["data"] for call in websocket_mock.send_bytes.call_args_list]

    async def run_until_all_aiohttp_messages_delivered(self, websocket_mock: AsyncMock, timeout: float = 1) -> None:
        """Wait until every queued item was taken by the code under test (``TimeoutError`` after ``timeout``).

        Then yields to the loop a few times so the reader can finish handling the last message.
        """
        async with asyncio.timeout(timeout):
            await self._state(websocket_mock).queue.join()
        for _ in range(3):
            await asyncio.sleep(0)

    run_until_all_json_messages_delivered = run_until_all_aiohttp_messages_delivered
    run_until_all_text_messages_delivered = run_until_all_aiohttp_messages_delivered
