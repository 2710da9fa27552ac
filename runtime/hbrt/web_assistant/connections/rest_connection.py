"""The HTTP connection: sends one :class:`RESTRequest` on an aiohttp session."""

from __future__ import annotations

import aiohttp

from hbrt.redaction import remember_secret, secret_values
from hbrt.web_assistant.connections.data_types import RESTRequest, RESTResponse
from hbrt.web_assistant.errors import masked_exception


def request_secrets(request: RESTRequest) -> list[str]:
    """The credential values ``request`` carries: every value it sends under a secret name (query parameters in
    ``params`` or the URL, headers, fields of its body) and a URL's user info."""
    return secret_values(request.url, request.params, request.headers, request.data)


class RESTConnection:
    """Sends requests on an :class:`aiohttp.ClientSession` it does not own.

    Unlike Hummingbot's, :meth:`call` reads the whole body before returning, so the caller's timeout covers the
    body too and the pooled connection is released at once. It performs no status check and applies no timeout of
    its own; :class:`~hbrt.web_assistant.RESTAssistant` does both.

    Credentials never travel to another host: a request that is authenticated, or carries any credential (a
    secret-named header, parameter or body field, such as an API-key header on an ``auth: key`` endpoint), never
    follows a redirect; the 3xx response comes back as it is (``RESTAssistant`` turns it into a
    :class:`~hbrt.web_assistant.RESTRequestError` that says the redirect was not followed). aiohttp itself would
    follow it and, on a change of host, drop only ``Authorization`` and cookies: a signed query string and custom
    key headers would reach the other host. Any exception aiohttp raises leaves as :func:`masked_exception`'s copy,
    with the request's credential values masked; they are also remembered for the log filter
    (:func:`hbrt.redaction.remember_secret`).
    """

    def __init__(self, aiohttp_client_session: aiohttp.ClientSession) -> None:
        self._client_session = aiohttp_client_session

    async def call(self, request: RESTRequest) -> RESTResponse:
        if request.url is None:
            raise ValueError("RESTRequest.url must be set before the request is sent")
        secrets = request_secrets(request)
        for value in secrets:
            remember_secret(value)
        try:
            async with self._client_session.request(
                method=request.method.value,
                url=request.url,
                params=request.params,
                data=request.data,
                headers=request.headers,
                allow_redirects=not (request.is_auth_required or secrets),
            ) as aiohttp_response:
                body = await aiohttp_response.read()
        except Exception as exc:
            safe = masked_exception(exc, secrets)
            if safe is exc:
                raise
            error = safe
        else:
            return RESTResponse(aiohttp_response, body, method=request.method)
        raise error from None
