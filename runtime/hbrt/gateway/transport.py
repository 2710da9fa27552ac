"""The HTTP side of the Gateway client: settings, errors, throttled requests and the online/offline monitor.

Deliberate differences from Hummingbot's ``GatewayHttpClient`` transport:

* **One client per connector**, never a process singleton: each owns its aiohttp session (through a
  :class:`~hbrt.web_assistant.ConnectionsFactory`), its throttler and its status, and :meth:`GatewayTransport.close`
  releases them.
* **Explicit timeouts on every verb** (Hummingbot sets 30 s on GET only): ``timeout`` for reads and
  ``transaction_timeout`` for calls that wait for a transaction (Gateway's execute blocks until confirmation or its
  own timeout, about 10 s).
* **Throttled** to Gateway's global limit, 100 requests per minute on all routes (``@fastify/rate-limit``), with
  the shared :class:`~hbrt.api_throttler.AsyncThrottler`; several clients of one Gateway may share one throttler. A
  429 reply means the request never reached a handler, so it is retried after the wait the reply names.
* **Errors are typed**: :class:`GatewayError` carries Gateway's status, message, ``error`` and ``code``; its text
  keeps Hummingbot's ``Gateway error: <message> (<error>) [code: <code>]`` shape so code that parses it still
  works. A refused connection is :class:`GatewayUnavailableError`; a reply that never came is
  :class:`GatewayTimeoutError`, whose ``request_sent`` says whether the outcome is unknown.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import aiohttp

from hbrt.api_throttler.async_throttler import AsyncThrottler
from hbrt.api_throttler.data_types import RateLimit
from hbrt.connector.config import SecretStr
from hbrt.logger import HummingbotLogger, get_logger
from hbrt.web_assistant.connections.connections_factory import ConnectionsFactory
from hbrt.web_assistant.connections.data_types import RESTMethod
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory

GATEWAY_RATE_LIMIT_ID = "gateway"
#: Gateway's documented global limit: 100 requests per minute, every route together.
GATEWAY_RATE_LIMIT_PER_MINUTE = 100
DEFAULT_TIMEOUT = 30.0
DEFAULT_TRANSACTION_TIMEOUT = 90.0
CERT_FILES = ("ca_cert.pem", "client_cert.pem", "client_key.pem")


def gateway_throttler(requests_per_minute: int = GATEWAY_RATE_LIMIT_PER_MINUTE) -> AsyncThrottler:
    """A throttler holding Gateway's one global pool; pass the same one to every client of one Gateway."""
    return AsyncThrottler([RateLimit(limit_id=GATEWAY_RATE_LIMIT_ID, limit=requests_per_minute, time_interval=60.0)])


@dataclass(frozen=True)
class GatewayConnectionSettings:
    """Where Gateway listens and how to reach it (Hummingbot's ``gateway_api_host``, ``gateway_api_port``,
    ``gateway_use_ssl``, plus the certificate folder and the client key's passphrase).

    With ``use_ssl`` the client presents ``client_cert.pem``/``client_key.pem`` from ``certs_path`` and trusts only
    ``ca_cert.pem`` there (Gateway's mutual TLS). The host name is not checked by default: the private CA that signs
    both sides is the trust anchor, and Gateway's certificates name ``localhost`` whatever host serves them.
    """

    host: str = "localhost"
    port: int = 15888
    use_ssl: bool = False
    certs_path: str | None = None
    cert_passphrase: SecretStr | None = None
    check_hostname: bool = False

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"{'https' if self.use_ssl else 'http'}://{host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext | None:
        """The client TLS context, or None without TLS; :class:`GatewayConfigurationError` names missing files."""
        if not self.use_ssl:
            return None
        folder = Path(self.certs_path or "certs")
        missing = [name for name in CERT_FILES if not (folder / name).is_file()]
        if missing:
            raise GatewayConfigurationError(
                f"gateway_use_ssl is on but {', '.join(missing)} is missing from {folder}; copy Gateway's client "
                "certificates there or turn TLS off for a Gateway started with --dev."
            )
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(folder / "ca_cert.pem"))
        context.check_hostname = self.check_hostname
        password = self.cert_passphrase.get_secret_value() if self.cert_passphrase else None
        try:
            context.load_cert_chain(str(folder / "client_cert.pem"), str(folder / "client_key.pem"), password=password)
        except ssl.SSLError as error:
            raise GatewayConfigurationError(
                f"Could not load the client certificate from {folder} ({error.reason}); check the passphrase."
            ) from None
        return context


class GatewayConfigurationError(ValueError):
    """The client's own settings are unusable (missing certificates, a wrong passphrase)."""


class GatewayError(ValueError):
    """A request to Gateway failed; Gateway's ``statusCode``, ``message``, ``error`` and ``code`` are kept.

    A ``ValueError``, like the error Hummingbot raises, with the same text shape.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        error: str | None = None,
        method: str | None = None,
        path: str | None = None,
        body: Any = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.error = error
        self.method = method
        self.path = path
        self.body = body
        text = f"Gateway error: {message}"
        if error:
            text += f" ({error})"
        if code:
            text += f" [code: {code}]"
        super().__init__(text)


class GatewayUnavailableError(GatewayError):
    """Gateway could not be reached; ``request_sent`` is False when the connection was refused before sending."""

    def __init__(self, message: str, *, request_sent: bool, method: str, path: str) -> None:
        self.request_sent = request_sent
        super().__init__(message, method=method, path=path)


class GatewayTimeoutError(GatewayError):
    """No reply within the client's timeout; the request was sent, so what it did is unknown."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        self.request_sent = True
        super().__init__(message, method=method, path=path)


class GatewayStatus(Enum):
    ONLINE = 1
    OFFLINE = 2


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | Decimal):
        return str(value)
    raise TypeError(f"Cannot send {type(value).__name__} in a Gateway query string.")


def _json_ready(value: Any) -> Any:
    """Decimals become JSON numbers (Gateway's schemas declare numbers); containers are converted recursively."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {key: _json_ready(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    return value


def _reply_body(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        return text


def error_from_reply(status: int, body: Any, method: str, path: str) -> GatewayError:
    """Build the error for a non-2xx reply from Gateway's error body (any shape; see gateway.md §1)."""
    if isinstance(body, Mapping) and body.get("message") is not None:
        code = body.get("code")
        error = body.get("error")
        return GatewayError(
            str(body["message"]),
            status=status,
            code=str(code) if code is not None else None,
            error=str(error) if error is not None else None,
            method=method,
            path=path,
            body=body,
        )
    return GatewayError(f"Error on {method} {path}: HTTP {status} {body!r}", status=status, method=method, path=path)


class GatewayTransport:
    """Sends requests to one Gateway and tracks whether it is online.

    :param settings: where Gateway listens (defaults: ``http://localhost:15888``).
    :param throttler: a throttler with the ``gateway`` limit id, shared between clients of one Gateway; by default
        a new one allowing ``rate_limit_per_minute`` requests.
    :param timeout: seconds for ordinary requests; ``transaction_timeout`` for calls that wait for a transaction.
    :param max_rate_limit_retries: how many 429 replies one call sits out before raising.
    """

    MONITOR_INTERVAL: float = 2.0
    PING_TIMEOUT: float = 5.0
    #: Longest wait after a 429 reply, whatever the reply says.
    MAX_RATE_LIMIT_WAIT: float = 60.0

    def __init__(
        self,
        settings: GatewayConnectionSettings | None = None,
        *,
        throttler: AsyncThrottler | None = None,
        rate_limit_per_minute: int = GATEWAY_RATE_LIMIT_PER_MINUTE,
        timeout: float = DEFAULT_TIMEOUT,
        transaction_timeout: float = DEFAULT_TRANSACTION_TIMEOUT,
        max_rate_limit_retries: int = 3,
    ) -> None:
        self._settings = settings or GatewayConnectionSettings()
        self._throttler = throttler if throttler is not None else gateway_throttler(rate_limit_per_minute)
        self._timeout = timeout
        self._transaction_timeout = transaction_timeout
        self._max_rate_limit_retries = max_rate_limit_retries
        ssl_context = self._settings.ssl_context()
        connector_factory: Callable[[], aiohttp.BaseConnector] | None = (
            (lambda: aiohttp.TCPConnector(ssl=ssl_context)) if ssl_context is not None else None
        )
        self._connections = ConnectionsFactory(connector_factory=connector_factory)
        self._factory = WebAssistantsFactory(
            throttler=self._throttler,
            connections_factory=self._connections,
            rest_timeout=timeout,
        )
        self._status = GatewayStatus.OFFLINE
        self._status_listeners: list[Callable[[GatewayStatus], None]] = []
        self._monitor_task: asyncio.Task[None] | None = None

    @classmethod
    def logger(cls) -> HummingbotLogger:
        return get_logger(__name__)

    @property
    def settings(self) -> GatewayConnectionSettings:
        return self._settings

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def throttler(self) -> AsyncThrottler:
        return self._throttler

    @property
    def transaction_timeout(self) -> float:
        return self._transaction_timeout

    # ---- requests -----------------------------------------------------------------------------------------------

    async def api_request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        fail_silently: bool = False,
        timeout: float | None = None,
    ) -> Any:
        """Send one request: GET parameters go in the query string, any other verb's as a JSON body.

        Returns the decoded reply. Raises :class:`GatewayError` for a non-2xx reply (unless ``fail_silently``,
        which returns the error body instead), :class:`GatewayUnavailableError` or :class:`GatewayTimeoutError`.
        """
        verb = RESTMethod[method.upper()]
        path = path.lstrip("/")
        url = f"{self.base_url}/{path}"
        clean = {key: value for key, value in (params or {}).items() if value is not None}
        query = {key: _query_value(value) for key, value in clean.items()} if verb == RESTMethod.GET else None
        body = _json_ready(clean) if verb != RESTMethod.GET else None
        attempts = 0
        while True:
            assistant = await self._factory.get_rest_assistant()
            try:
                response = await assistant.execute_request_and_get_response(
                    url=url,
                    throttler_limit_id=GATEWAY_RATE_LIMIT_ID,
                    params=query,
                    data=body,
                    method=verb,
                    return_err=True,
                    timeout=timeout if timeout is not None else self._timeout,
                )
            except TimeoutError:
                raise GatewayTimeoutError(
                    f"No reply from Gateway within the timeout for {verb.value} /{path}.", method=verb.value, path=path
                ) from None
            except aiohttp.ClientConnectorError as error:
                self._set_status(GatewayStatus.OFFLINE)
                raise GatewayUnavailableError(
                    f"Gateway at {self.base_url} is not reachable ({error.os_error}).",
                    request_sent=False,
                    method=verb.value,
                    path=path,
                ) from None
            except aiohttp.ClientError as error:
                raise GatewayUnavailableError(
                    f"The connection to Gateway broke during {verb.value} /{path} ({type(error).__name__}).",
                    request_sent=True,
                    method=verb.value,
                    path=path,
                ) from None
            reply = _reply_body(await response.text())
            self._set_status(GatewayStatus.ONLINE)  # any reply at all means the server is up
            if response.status == 429 and attempts < self._max_rate_limit_retries:
                attempts += 1
                delay = self._rate_limit_wait(response.headers, attempts)
                self.logger().warning("Gateway rate limit reached; retrying %s /%s in %.1f s.", verb.value, path, delay)
                await asyncio.sleep(delay)
                continue
            if 200 <= response.status < 300:
                return reply
            if fail_silently:
                return reply
            raise error_from_reply(response.status, reply, verb.value, path)

    def _rate_limit_wait(self, headers: Mapping[str, str], attempt: int) -> float:
        """Seconds to wait after a 429: the ``Retry-After`` header, else 1, 2, 4 ... s (capped)."""
        retry_after = headers.get("Retry-After") or headers.get("retry-after")
        try:
            wait = float(retry_after) if retry_after is not None else float(2 ** (attempt - 1))
        except ValueError:
            wait = float(2 ** (attempt - 1))
        return min(max(wait, 0.0), self.MAX_RATE_LIMIT_WAIT)

    # ---- health -------------------------------------------------------------------------------------------------

    @property
    def gateway_status(self) -> GatewayStatus:
        return self._status

    @property
    def is_online(self) -> bool:
        return self._status == GatewayStatus.ONLINE

    def add_status_listener(self, listener: Callable[[GatewayStatus], None]) -> None:
        """Call ``listener(new_status)`` on every change between ONLINE and OFFLINE."""
        self._status_listeners.append(listener)

    def _set_status(self, status: GatewayStatus) -> None:
        if status == self._status:
            return
        self._status = status
        self.logger().info("Gateway at %s is %s.", self.base_url, status.name)
        for listener in list(self._status_listeners):
            try:
                listener(status)
            except Exception:
                self.logger().exception("A Gateway status listener failed.")

    async def ping_gateway(self) -> bool:
        """GET ``/``: True when Gateway answers ``{"status": "ok"}``; updates :attr:`gateway_status` either way."""
        try:
            reply = await self.api_request("GET", "", timeout=self.PING_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception:
            self._set_status(GatewayStatus.OFFLINE)
            return False
        online = isinstance(reply, Mapping) and reply.get("status") == "ok"
        self._set_status(GatewayStatus.ONLINE if online else GatewayStatus.OFFLINE)
        return online

    async def _on_online(self) -> None:
        """Called by the monitor each time Gateway comes online; subclasses reload what they cache."""

    def start_monitor(self) -> None:
        """Ping Gateway every ``MONITOR_INTERVAL`` seconds in the background (idempotent)."""
        if self._monitor_task is None or self._monitor_task.done():
            self._monitor_task = asyncio.get_running_loop().create_task(self._monitor_loop())

    async def stop_monitor(self) -> None:
        task, self._monitor_task = self._monitor_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _monitor_loop(self) -> None:
        while True:
            was_online = self.is_online
            if await self.ping_gateway() and not was_online:
                try:
                    await self._on_online()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    self.logger().warning("Gateway came online but its lists could not be loaded.", exc_info=True)
            await asyncio.sleep(self.MONITOR_INTERVAL)

    async def close(self) -> None:
        """Stop the monitor and close the aiohttp session."""
        await self.stop_monitor()
        await self._connections.close()
