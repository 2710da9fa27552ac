"""The web layer: REST and websocket assistants on aiohttp, with throttling, processors and authentication."""

from hbrt.web_assistant.auth import AuthBase
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
from hbrt.web_assistant.connections.ws_connection import WSConnection
from hbrt.web_assistant.errors import ErrorFacts, RESTRequestError, error_facts, error_reply, sanitize_url
from hbrt.web_assistant.processors import (
    GZipCompressionWSPostProcessor,
    RESTPostProcessorBase,
    RESTPreProcessorBase,
    TimeSynchronizerRESTPreProcessor,
    WSPostProcessorBase,
    WSPreProcessorBase,
)
from hbrt.web_assistant.reconnect import ExponentialBackoff, reconnecting, run_with_reconnect
from hbrt.web_assistant.rest_assistant import RESTAssistant
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory
from hbrt.web_assistant.ws_assistant import WSAssistant

__all__ = [
    "AuthBase",
    "ConnectionsFactory",
    "ErrorFacts",
    "ExponentialBackoff",
    "GZipCompressionWSPostProcessor",
    "RESTAssistant",
    "RESTConnection",
    "RESTMethod",
    "RESTPostProcessorBase",
    "RESTPreProcessorBase",
    "RESTRequest",
    "RESTRequestError",
    "RESTResponse",
    "TimeSynchronizerRESTPreProcessor",
    "WSAssistant",
    "WSBinaryRequest",
    "WSConnection",
    "WSJSONRequest",
    "WSPlainTextRequest",
    "WSPostProcessorBase",
    "WSPreProcessorBase",
    "WSRequest",
    "WSResponse",
    "WebAssistantsFactory",
    "error_facts",
    "error_reply",
    "reconnecting",
    "run_with_reconnect",
    "sanitize_url",
]
