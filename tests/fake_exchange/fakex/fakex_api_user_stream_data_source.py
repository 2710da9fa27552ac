"""Fakex private stream: connect, log in with a signed frame, subscribe to orders, trades and balances."""

from __future__ import annotations

from hbrt.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hbrt.web_assistant.connections.data_types import WSJSONRequest
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory
from hbrt.web_assistant.ws_assistant import WSAssistant

from fakex import fakex_constants as CONSTANTS
from fakex import fakex_web_utils as web_utils
from fakex.fakex_auth import FakexAuth


class FakexAPIUserStreamDataSource(UserStreamTrackerDataSource):
    """User stream of Fakex; events are queued unchanged for the exchange's listener."""

    def __init__(
        self, auth: FakexAuth | None, api_factory: WebAssistantsFactory, domain: str = CONSTANTS.DEFAULT_DOMAIN
    ) -> None:
        super().__init__()
        self._auth = auth
        self._api_factory = api_factory
        self._domain = domain

    async def _connected_websocket_assistant(self) -> WSAssistant:
        ws = await self._api_factory.get_ws_assistant()
        await ws.connect(ws_url=web_utils.private_wss_url(self._domain), ping_timeout=CONSTANTS.WS_PING_TIMEOUT)
        await ws.send(WSJSONRequest(payload={"op": "login"}, is_auth_required=True))
        return ws

    async def _subscribe_channels(self, websocket_assistant: WSAssistant) -> None:
        await websocket_assistant.send(
            WSJSONRequest(
                payload={
                    "op": "subscribe",
                    "channels": [
                        CONSTANTS.ORDER_EVENT_TYPE,
                        CONSTANTS.TRADE_EVENT_TYPE,
                        CONSTANTS.BALANCE_EVENT_TYPE,
                    ],
                }
            )
        )
