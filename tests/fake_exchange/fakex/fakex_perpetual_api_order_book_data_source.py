"""Fakex perpetual market data: the spot data source plus funding information (REST and the ``funding`` channel)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from hbrt.data_type.funding_info import FundingInfo, FundingInfoUpdate
from hbrt.data_type.perpetual_api_order_book_data_source import PerpetualAPIOrderBookDataSource
from hbrt.web_assistant.connections.data_types import WSJSONRequest, WSRequest

from fakex import fakex_perpetual_constants as CONSTANTS
from fakex.fakex_api_order_book_data_source import FakexAPIOrderBookDataSource


class FakexPerpetualAPIOrderBookDataSource(FakexAPIOrderBookDataSource, PerpetualAPIOrderBookDataSource):
    """Fakex's book and trade channels, plus funding updates routed by their channel name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._funding_info_messages_queue_key = CONSTANTS.FUNDING_CHANNEL

    def _channel_requests(self, operation: str, trading_pairs: list[str]) -> list[WSRequest]:
        symbols = [pair.replace("-", "") for pair in trading_pairs]
        funding = WSJSONRequest(payload={"op": operation, "channel": CONSTANTS.FUNDING_CHANNEL, "symbols": symbols})
        return [*super()._channel_requests(operation, trading_pairs), funding]

    async def get_funding_info(self, trading_pair: str) -> FundingInfo:
        symbol = await self._connector.exchange_symbol_associated_to_pair(trading_pair)
        data = await self._connector._api_get(path_url=CONSTANTS.FUNDING_INFO_PATH_URL, params={"symbol": symbol})
        return FundingInfo(
            trading_pair=trading_pair,
            index_price=Decimal(str(data["indexPrice"])),
            mark_price=Decimal(str(data["markPrice"])),
            next_funding_utc_timestamp=int(data["nextFundingTime"]) // 1000,
            rate=Decimal(str(data["lastFundingRate"])),
        )

    async def _parse_funding_info_message(
        self, raw_message: dict[str, Any], message_queue: asyncio.Queue[FundingInfoUpdate]
    ) -> None:
        data = raw_message["data"]
        message_queue.put_nowait(
            FundingInfoUpdate(
                trading_pair=await self._connector.trading_pair_associated_to_exchange_symbol(data["s"]),
                index_price=Decimal(str(data["i"])),
                mark_price=Decimal(str(data["p"])),
                next_funding_utc_timestamp=int(data["T"]) // 1000,
                rate=Decimal(str(data["r"])),
            )
        )
