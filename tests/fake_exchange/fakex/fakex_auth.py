"""Fakex request signing: an HMAC-SHA256 signature carried in three headers."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode, urlsplit

from hbrt.time_synchronizer import TimeSynchronizer
from hbrt.web_assistant.auth import AuthBase
from hbrt.web_assistant.connections.data_types import RESTRequest, WSJSONRequest, WSRequest

API_KEY_HEADER = "X-FX-APIKEY"
TIMESTAMP_HEADER = "X-FX-TIMESTAMP"
SIGNATURE_HEADER = "X-FX-SIGNATURE"


class FakexAuth(AuthBase):
    """Signs ``<timestamp ms><METHOD><path>?<sorted query><body>`` with the API secret."""

    def __init__(self, api_key: str, secret_key: str, time_provider: TimeSynchronizer) -> None:
        self.api_key = api_key
        self.secret_key = secret_key
        self.time_provider = time_provider

    def signature(self, payload: str) -> str:
        return hmac.new(self.secret_key.encode(), payload.encode(), hashlib.sha256).hexdigest()

    def signing_payload(self, timestamp_ms: int, request: RESTRequest) -> str:
        path = urlsplit(request.url or "").path
        query = urlencode(sorted((request.params or {}).items()))
        body = request.data if isinstance(request.data, str) else ""
        return f"{timestamp_ms}{request.method.value}{path}?{query}{body}"

    async def rest_authenticate(self, request: RESTRequest) -> RESTRequest:
        timestamp_ms = int(self.time_provider.time() * 1000)
        headers = dict(request.headers or {})
        headers[API_KEY_HEADER] = self.api_key
        headers[TIMESTAMP_HEADER] = str(timestamp_ms)
        headers[SIGNATURE_HEADER] = self.signature(self.signing_payload(timestamp_ms, request))
        request.headers = headers
        return request

    async def ws_authenticate(self, request: WSRequest) -> WSRequest:
        """Login frames get the key, a timestamp and the signature of ``<timestamp ms>login``."""
        if isinstance(request, WSJSONRequest):
            timestamp_ms = int(self.time_provider.time() * 1000)
            payload = dict(request.payload)
            payload["args"] = {
                "apiKey": self.api_key,
                "timestamp": timestamp_ms,
                "signature": self.signature(f"{timestamp_ms}login"),
            }
            request.payload = payload
        return request
