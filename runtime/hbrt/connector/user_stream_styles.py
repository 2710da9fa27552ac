"""User-stream data sources for the four private-websocket login styles, written once for every connector.

A generated ``<name>_api_user_stream_data_source.py`` subclasses one of these classes and supplies only facts: the
URL, the login message, how to recognise a successful login, which replies to drop, the envelope, the terminated
event, and (for listen keys and REST tokens) the REST calls. The behaviour lives here:

* :class:`SignedSubscribeUserStreamDataSource` (Binance spot WS API, Gate): connect, send one signed subscribe
  request, read its reply *before* streaming and require success.
* :class:`SignedLoginUserStreamDataSource` (OKX, Bybit): connect, send a signed login message, read the reply and
  require success, then send the subscriptions.
* :class:`ListenKeyUserStreamDataSource` (Binance futures): create a listen key over REST, connect to a URL that
  carries it, keep it alive every ``KEEP_ALIVE_INTERVAL`` seconds; a new key after every reconnect.
* :class:`RestTokenUserStreamDataSource` (KuCoin, Kraken): mint a token over REST (which may also assign the URL,
  the ping interval and the token's lifetime), connect with it, optionally log in with it, then subscribe; a fresh
  token for every connection, and the connection renewed before the token's lifetime ends.

All four share :class:`StyledUserStreamDataSource`: the server's greeting awaited before anything is sent (when
the exchange greets), heartbeat messages when the exchange wants its own rather than ping frames, message filtering
(drop non-JSON frames, empty payloads and ignored replies such as request acknowledgements), envelope unwrapping,
and a ``ConnectionError`` on the exchange's "stream terminated" event so the base loop reconnects and logs in
afresh. Login replies and the greeting never reach the queue.

Templates in messages use ``${name}`` placeholders (see :func:`fill_template`).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from hbrt.connector.rest_token import TokenSession, TokenSessions
from hbrt.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hbrt.redaction import remember_secret
from hbrt.web_assistant.connections.data_types import WSJSONRequest
from hbrt.web_assistant.upkeep import wait_until_ready

if TYPE_CHECKING:
    from hbrt.time_synchronizer import ClockSync
    from hbrt.web_assistant.auth import AuthBase
    from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory
    from hbrt.web_assistant.ws_assistant import WSAssistant

__all__ = [
    "LoginFailedError",
    "fill_template",
    "StyledUserStreamDataSource",
    "SignedSubscribeUserStreamDataSource",
    "SignedLoginUserStreamDataSource",
    "ListenKeyUserStreamDataSource",
    "RestTokenUserStreamDataSource",
]

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Longest piece of a rejected login reply quoted in the error message.
_MAX_REPLY_IN_MESSAGE = 512


class LoginFailedError(IOError):
    """The exchange did not accept the private websocket login; the base loop logs it and reconnects."""


def fill_template(template: Any, values: Mapping[str, Any]) -> Any:
    """A copy of a JSON-like ``template`` with ``${name}`` placeholders replaced from ``values``.

    A string that is exactly one placeholder becomes the value itself, with its own type (``"${id}"`` -> ``7``,
    ``"${signed_params}"`` -> a dict); placeholders inside a longer string are replaced by ``str(value)``. Mapping
    keys are kept as they are. An unknown placeholder raises ``KeyError`` naming it.
    """
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole is not None:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)
    if isinstance(template, Mapping):
        return {key: fill_template(value, values) for key, value in template.items()}
    if isinstance(template, list | tuple):
        return [fill_template(value, values) for value in template]
    return template


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_REPLY_IN_MESSAGE else text[:_MAX_REPLY_IN_MESSAGE] + "..."


class StyledUserStreamDataSource(UserStreamTrackerDataSource, ABC):
    """What every login style shares: construction, connecting, the optional login exchange, subscriptions and
    message filtering.

    Facts a subclass supplies (defaults in parentheses): :meth:`_ws_url` (required), :meth:`_login_message`
    (None: no login message), :meth:`_is_login_success` (True), :meth:`_subscription_messages` (none),
    :meth:`_is_ignored` (False), :meth:`_unwrap` (the message itself), :meth:`_is_terminated` (False), the class
    attribute ``HEARTBEAT_INTERVAL`` (seconds between pings: the ping timeout passed to ``connect``, and the
    interval of heartbeat messages when ``HEARTBEAT_MESSAGES``), :meth:`_heartbeat_request` (the heartbeat message,
    sent only when ``HEARTBEAT_MESSAGES``) and, when ``AWAIT_READY``, :meth:`_is_ready` (the server's greeting,
    awaited for ``READY_TIMEOUT`` seconds before the login).
    """

    HEARTBEAT_INTERVAL: ClassVar[float] = 30.0
    #: Whether the exchange wants its own heartbeat message (``_heartbeat_request``) every ping interval.
    HEARTBEAT_MESSAGES: ClassVar[bool] = False
    #: Whether each connection starts with a greeting from the server that must arrive before anything is sent.
    AWAIT_READY: ClassVar[bool] = False
    READY_TIMEOUT: ClassVar[float] = 10.0
    #: Seconds to wait for the reply to the login message.
    LOGIN_REPLY_TIMEOUT: ClassVar[float] = 10.0

    def __init__(
        self,
        auth: AuthBase | None,
        trading_pairs: Sequence[str],
        connector: Any,
        api_factory: WebAssistantsFactory,
        domain: str,
        clock: ClockSync | None = None,
    ) -> None:
        """``clock``: the connector's server clock, for a login signed with a timestamp (see :meth:`_login`)."""
        super().__init__()
        self._auth = auth
        self._trading_pairs = trading_pairs
        self._connector = connector
        self._api_factory = api_factory
        self._domain = domain
        self._clock = clock
        self._request_ids = itertools.count(1)

    # ------------------------------------------------------------------ facts (override)

    @abstractmethod
    def _ws_url(self) -> str:
        """The private websocket URL for ``self._domain``."""

    async def _login_message(self) -> Mapping[str, Any] | None:
        """The (signed) login or subscribe request sent right after connecting, or None when there is none."""
        return None

    def _is_login_success(self, reply: Any) -> bool:
        """Whether the reply to the login message means success."""
        return True

    def _is_clock_rejection(self, reply: Any) -> bool:
        """Whether a rejected login reply says the exchange refused the login's timestamp (default: never)."""
        return False

    def _subscription_messages(self) -> list[Mapping[str, Any]]:
        """Messages sent after a successful login (channel subscriptions)."""
        return []

    def _is_ignored(self, message: Any) -> bool:
        """Whether a message is a reply or notice that carries no user event (it is dropped)."""
        return False

    def _unwrap(self, message: Any) -> Any:
        """The event inside an envelope (``{"subscriptionId": 0, "event": {...}}`` -> the event)."""
        return message

    def _is_terminated(self, event: Any) -> bool:
        """Whether the event says the exchange ended the stream (the socket is dropped and the login redone)."""
        return False

    def _is_ready(self, message: Any) -> bool:
        """Whether ``message`` is the server's greeting (read only when ``AWAIT_READY``)."""
        return True

    def _ping_interval(self) -> float:
        """Seconds between pings on the current connection (``HEARTBEAT_INTERVAL``; a REST token may assign it)."""
        return self.HEARTBEAT_INTERVAL

    def _heartbeat_interval(self) -> float | None:
        return self._ping_interval() if self.HEARTBEAT_MESSAGES else None

    # ------------------------------------------------------------------ helpers for subclasses

    def _next_request_id(self) -> int:
        """1, 2, 3... per data source instance (never shared between instances)."""
        return next(self._request_ids)

    @staticmethod
    def _new_uuid() -> str:
        return str(uuid.uuid4())

    # ------------------------------------------------------------------ behaviour

    async def _connection_url(self) -> str:
        """The URL to connect to; styles that need a key or token obtain it here."""
        return self._ws_url()

    async def _connected_websocket_assistant(self) -> WSAssistant:
        url = await self._connection_url()
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(ws_url=url, ping_timeout=self._ping_interval())
        return ws

    async def _subscribe_channels(self, websocket_assistant: WSAssistant) -> None:
        if self.AWAIT_READY:
            await wait_until_ready(websocket_assistant, self._is_ready, self.READY_TIMEOUT)
        await self._login(websocket_assistant)
        for message in self._subscription_messages():
            await websocket_assistant.send(WSJSONRequest(payload=message))

    async def _login(self, websocket_assistant: WSAssistant) -> None:
        """Send the login message (if any) and read its reply synchronously, before any event is streamed.

        With a ``clock``, the login is signed only once the clock holds a server-time sample (fetched now if there
        is none), and a reply rejecting the login's timestamp (:meth:`_is_clock_rejection`) resets the clock's
        estimate: the login after the reconnect signs with a fresh sample, trusted alone, instead of repeating a
        timestamp the exchange refused until enough periodic samples outvote the old ones.
        """
        if self._clock is not None:
            await self._clock.ensure_sample()
        message = await self._login_message()
        if message is None:
            return
        await websocket_assistant.send(WSJSONRequest(payload=message))
        async with asyncio.timeout(self.LOGIN_REPLY_TIMEOUT):
            response = await websocket_assistant.receive()
        reply = response.data if response is not None else None
        if not self._is_login_success(reply):
            if self._clock is not None and self._is_clock_rejection(reply):
                self._clock.reset()
            raise LoginFailedError(f"The private websocket login was rejected: {_short(reply)}")

    async def _process_event_message(self, event_message: Any, queue: asyncio.Queue[Any]) -> None:
        """Drop frames that are not JSON objects/arrays, empty payloads and ignored replies; unwrap the envelope;
        raise ``ConnectionError`` on the terminated event; queue the rest."""
        if not event_message or not isinstance(event_message, Mapping | list):
            return
        if self._is_ignored(event_message):
            return
        event = self._unwrap(event_message)
        if not event:
            return
        if self._is_terminated(event):
            raise ConnectionError("The exchange terminated the user data stream.")
        queue.put_nowait(event)


class SignedSubscribeUserStreamDataSource(StyledUserStreamDataSource):
    """Style ``signed_subscribe``: the login message *is* the signed subscription (Binance's
    ``userDataStream.subscribe.signature``); its reply is read before streaming and must be a success."""

    @abstractmethod
    async def _login_message(self) -> Mapping[str, Any] | None:
        """The signed subscribe request."""

    @abstractmethod
    def _is_login_success(self, reply: Any) -> bool:
        """Whether the subscribe reply means success."""


class SignedLoginUserStreamDataSource(StyledUserStreamDataSource):
    """Style ``signed_login``: a signed login message, its reply checked, then the channel subscriptions."""

    @abstractmethod
    async def _login_message(self) -> Mapping[str, Any] | None:
        """The signed login request."""

    @abstractmethod
    def _is_login_success(self, reply: Any) -> bool:
        """Whether the login reply means success."""


class ListenKeyUserStreamDataSource(StyledUserStreamDataSource):
    """Style ``listen_key``: a REST-created key in the URL, kept alive periodically; a fresh key per connection.

    Subclasses supply :meth:`_create_listen_key`, :meth:`_keep_alive_listen_key` and :meth:`_ws_url_for`, and
    optionally :meth:`_close_listen_key`. A failed keep-alive disconnects (see the base class), and the next
    connection creates a new key. When a connection ends the key is closed (best effort: a failure or a slow reply
    is logged, never raised, so the reconnect goes ahead).
    """

    KEEP_ALIVE_INTERVAL: ClassVar[float | None] = 30 * 60.0
    #: Seconds to wait for the reply to the request closing the key.
    CLOSE_TIMEOUT: ClassVar[float] = 5.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listen_key: str | None = None

    def _ws_url(self) -> str:
        if self._listen_key is None:
            raise RuntimeError("No listen key yet.")
        return self._ws_url_for(self._listen_key)

    @abstractmethod
    async def _create_listen_key(self) -> str:
        """Create a listen key over REST."""

    @abstractmethod
    async def _keep_alive_listen_key(self, listen_key: str) -> None:
        """Extend the key's life over REST (raise on failure)."""

    @abstractmethod
    def _ws_url_for(self, listen_key: str) -> str:
        """The websocket URL carrying ``listen_key``."""

    async def _close_listen_key(self, listen_key: str) -> None:
        """Close the key over REST (default: nothing to close; the key lapses on its own)."""

    async def _connection_url(self) -> str:
        self._listen_key = await self._create_listen_key()
        remember_secret(self._listen_key)  # it travels in the URL: masked in every log line and error
        return self._ws_url()

    async def _keep_alive(self) -> None:
        if self._listen_key is not None:
            await self._keep_alive_listen_key(self._listen_key)

    async def _on_user_stream_interruption(self, websocket_assistant: WSAssistant | None) -> None:
        await super()._on_user_stream_interruption(websocket_assistant)
        listen_key, self._listen_key = self._listen_key, None
        if listen_key is None:
            return
        try:
            async with asyncio.timeout(self.CLOSE_TIMEOUT):
                await self._close_listen_key(listen_key)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().warning("Could not close the listen key; it lapses on its own.", exc_info=True)


class RestTokenUserStreamDataSource(StyledUserStreamDataSource):
    """Style ``rest_token``: a REST call mints a token (and may assign the URL, the ping interval and the token's
    lifetime); connect with it, optionally send a login message that carries it, then subscribe. A fresh token per
    connection; when the token has a lifetime (the reply's, else ``TOKEN_LIFETIME``) the connection is renewed
    before it ends (:mod:`hbrt.connector.rest_token`).

    Subclasses supply :meth:`_mint_session` and :meth:`_ws_url_for`.
    """

    #: Seconds a token stays valid after it is minted, when the REST reply does not say; None: it does not expire.
    TOKEN_LIFETIME: ClassVar[float | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sessions = TokenSessions(self._mint_session, lifetime=self.TOKEN_LIFETIME, clock=lambda: self._time())

    @property
    def _token(self) -> str | None:
        """The token of the current connection, None between connections."""
        session = self._sessions.current
        return session.token if session is not None else None

    def _ws_url(self) -> str:
        session = self._sessions.current
        if session is None:
            raise RuntimeError("No token yet.")
        return self._ws_url_for(session.token, session.url)

    @abstractmethod
    async def _mint_session(self) -> TokenSession:
        """Obtain a token over REST, with what the exchange assigns along with it (URL, ping interval, lifetime)."""

    @abstractmethod
    def _ws_url_for(self, token: str, url: str | None) -> str:
        """The websocket URL to connect to with ``token`` (``url``: the one the exchange assigned, if any)."""

    async def _connection_url(self) -> str:
        await self._sessions.open()  # the token is masked in every log line and error (TokenSessions.open)
        return self._ws_url()

    def _ping_interval(self) -> float:
        return self._sessions.ping_interval(None) or self.HEARTBEAT_INTERVAL

    def _connection_deadline(self) -> float | None:
        return self._sessions.renew_at()

    async def _on_user_stream_interruption(self, websocket_assistant: WSAssistant | None) -> None:
        await super()._on_user_stream_interruption(websocket_assistant)
        self._sessions.close()
