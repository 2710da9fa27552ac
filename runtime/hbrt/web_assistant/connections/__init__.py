"""Connections (one HTTP session, websockets) and the request/response data types."""

from hbrt.web_assistant.connections.connections_factory import ConnectionsFactory
from hbrt.web_assistant.connections.data_types import (
    RESTMethod,
    RESTRequest,
    RESTResponse,
    WSBinaryRequest,
    WSJSONRequest,
    WSPlainTextRequest,
    WSRequest,
    WSResponse,
)
from hbrt.web_assistant.connections.rest_connection import RESTConnection
from hbrt.web_assistant.connections.ws_connection import WSConnection, WSSessionLike

__all__ = [
    "ConnectionsFactory",
    "RESTConnection",
    "RESTMethod",
    "RESTRequest",
    "RESTResponse",
    "WSBinaryRequest",
    "WSConnection",
    "WSJSONRequest",
    "WSPlainTextRequest",
    "WSRequest",
    "WSResponse",
    "WSSessionLike",
]
