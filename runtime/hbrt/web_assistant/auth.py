"""The authentication interface connectors implement to sign requests."""

from __future__ import annotations

from abc import ABC, abstractmethod

from hbrt.web_assistant.connections.data_types import RESTRequest, WSRequest


class AuthBase(ABC):
    """Signs requests whose ``is_auth_required`` is True.

    The assistants call these methods as late as possible: after throttling and after every pre-processor, right
    before the request is sent, so timestamps and nonces are fresh and the signer sees (and may overwrite) the final
    headers. For REST, ``request.data`` is already a string (dicts and lists were JSON-encoded) and
    ``request.params``/``request.headers`` are private copies the method may mutate or replace.
    """

    @abstractmethod
    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        """Return the signed REST request (usually the same object, modified)."""

    @abstractmethod
    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        """Return the signed websocket request (usually the same object, modified)."""
