"""The market-data source of a perpetual connector: the spot data source plus funding information.

Funding information arrives two ways (Hummingbot's ``PerpetualAPIOrderBookDataSource``):

* by REST: :meth:`PerpetualAPIOrderBookDataSource.get_funding_info` returns the full
  :class:`~hbrt.data_type.funding_info.FundingInfo` of one pair (the connector calls it for every pair at start);
* by stream: websocket messages that ``_channel_originating_message`` routes to the ``funding_info`` queue key are
  parsed by ``_parse_funding_info_message`` into :class:`~hbrt.data_type.funding_info.FundingInfoUpdate`\\ s,
  which :meth:`listen_for_funding_info` hands to the connector's funding stream.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hbrt.data_type.funding_info import FundingInfo, FundingInfoUpdate
from hbrt.data_type.order_book_tracker_data_source import OrderBookTrackerDataSource


class PerpetualAPIOrderBookDataSource(OrderBookTrackerDataSource):
    """Base of perpetual market-data sources: a connector also implements the two funding hooks below."""

    def __init__(self, trading_pairs: list[str]) -> None:
        super().__init__(trading_pairs)
        self._funding_info_messages_queue_key: Any = "funding_info"

    async def get_funding_info(self, trading_pair: str) -> FundingInfo:
        """The full funding information of ``trading_pair`` (usually one REST call). Connectors implement this."""
        raise NotImplementedError

    async def _parse_funding_info_message(
        self, raw_message: dict[str, Any], message_queue: asyncio.Queue[FundingInfoUpdate]
    ) -> None:
        """Put the :class:`FundingInfoUpdate`\\ s of one raw funding message on ``message_queue``. Connectors
        implement this when the exchange streams funding information."""
        raise NotImplementedError

    def _get_messages_queue_keys(self) -> tuple[Any, ...]:
        return (*super()._get_messages_queue_keys(), self._funding_info_messages_queue_key)

    async def listen_for_funding_info(self, output: asyncio.Queue[FundingInfoUpdate]) -> None:
        """Parse every routed funding message into ``output`` forever; a message that fails is logged and skipped."""
        await self._consume(
            self._funding_info_messages_queue_key, self._parse_funding_info_message, output, "funding info"
        )
