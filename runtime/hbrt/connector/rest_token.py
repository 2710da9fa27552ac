"""REST-minted websocket sessions (KuCoin's ``bullet-public`` / ``bullet-private``, Kraken's websocket token).

A REST call mints a token and may assign, for this connection only, the websocket URL, the interval at which the
server wants to be pinged and the token's lifetime. :class:`TokenSessions` mints a fresh session for every
connection (a token is never reused after a disconnect), remembers the one in use, and says when it is due for
renewal: ahead of the end of its lifetime, so that a token the exchange expires is replaced before it lapses.
The private user stream (``RestTokenUserStreamDataSource`` in :mod:`hbrt.connector.user_stream_styles`) and the
public order book (:class:`RestTokenOrderBookTrackerDataSource`) use it.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource
from hbrt.redaction import remember_secret

if TYPE_CHECKING:
    from hbrt.web_assistant.ws_assistant import WSAssistant

__all__ = ["RestTokenOrderBookTrackerDataSource", "TokenSession", "TokenSessions"]


@dataclass(frozen=True)
class TokenSession:
    """What one REST mint returned: the token, and the URL, ping interval (seconds) and token lifetime (seconds
    from ``minted_at``) when the exchange assigns them."""

    token: str
    url: str | None = None
    ping_interval: float | None = None
    lifetime: float | None = None
    minted_at: float = 0.0

    @property
    def renew_at(self) -> float | None:
        """When the connection using this token should be renewed: a tenth of the lifetime (at most a minute)
        before it ends; None when the token does not expire."""
        if self.lifetime is None:
            return None
        return self.minted_at + self.lifetime - min(60.0, self.lifetime / 10)


class TokenSessions:
    """Mints, holds and forgets the session of one data source's connection.

    ``mint`` performs the REST call; ``lifetime`` is the token lifetime to assume when the reply states none;
    ``clock`` gives wall-clock seconds.
    """

    def __init__(
        self,
        mint: Callable[[], Awaitable[TokenSession]],
        *,
        lifetime: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._mint = mint
        self._lifetime = lifetime
        self._clock = clock
        self._current: TokenSession | None = None
        self.minted = 0

    @property
    def current(self) -> TokenSession | None:
        """The session of the connection in use, or None between connections."""
        return self._current

    async def open(self) -> TokenSession:
        """Mint a fresh session for a new connection and keep it as the current one."""
        session = await self._mint()
        session = replace(
            session,
            minted_at=self._clock(),
            lifetime=session.lifetime if session.lifetime is not None else self._lifetime,
        )
        remember_secret(session.token)  # it travels in the URL or a message: masked in every log line and error
        self._current = session
        self.minted += 1
        return session

    def close(self) -> None:
        """Forget the session: the connection ended, and its token is never used again."""
        self._current = None

    def ping_interval(self, default: float | None) -> float | None:
        """The server's ping interval for the current connection, else ``default``."""
        session = self._current
        if session is not None and session.ping_interval is not None and session.ping_interval > 0:
            return session.ping_interval
        return default

    def renew_at(self) -> float | None:
        """When the current connection must be renewed (see :attr:`TokenSession.renew_at`), or None."""
        return self._current.renew_at if self._current is not None else None


class RestTokenOrderBookTrackerDataSource(OrderBookTrackerDataSource, ABC):
    """An order book data source whose public socket needs a REST-minted token (KuCoin's ``bullet-public``).

    :meth:`_connection_url` mints a fresh session for every connection and returns the URL to connect to; the
    heartbeat interval is the server's when the session assigns one; the connection is renewed before the token's
    lifetime (the reply's, else ``TOKEN_LIFETIME``) ends; an interrupted connection forgets its token. Subclasses
    supply :meth:`_mint_session` and :meth:`_ws_url_for`, and connect to :meth:`_connection_url`'s URL.
    """

    TOKEN_LIFETIME: ClassVar[float | None] = None

    def __init__(self, trading_pairs: list[str]) -> None:
        super().__init__(trading_pairs)
        self._sessions = TokenSessions(self._mint_session, lifetime=self.TOKEN_LIFETIME, clock=lambda: self._time())

    @abstractmethod
    async def _mint_session(self) -> TokenSession:
        """Obtain a token over REST, with what the exchange assigns along with it (URL, ping interval, lifetime)."""

    @abstractmethod
    def _ws_url_for(self, token: str, url: str | None) -> str:
        """The websocket URL to connect to with ``token`` (``url``: the one the exchange assigned, if any)."""

    async def _connection_url(self) -> str:
        session = await self._sessions.open()
        return self._ws_url_for(session.token, session.url)

    def _heartbeat_interval(self) -> float | None:
        return self._sessions.ping_interval(self.HEARTBEAT_INTERVAL)

    def _connection_deadline(self) -> float | None:
        return self._sessions.renew_at()

    async def _on_order_stream_interruption(self, websocket_assistant: WSAssistant | None = None) -> None:
        await super()._on_order_stream_interruption(websocket_assistant)
        self._sessions.close()
