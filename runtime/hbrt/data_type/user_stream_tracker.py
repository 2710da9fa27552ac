"""Owns the user-stream listener task and the queue the connector reads private events from."""

from __future__ import annotations

import asyncio
from typing import Any

from hbrt.data_type.user_stream_tracker_data_source import UserStreamTrackerDataSource
from hbrt.logger import HummingbotLogger, get_logger


class UserStreamTracker:
    """Runs ``data_source.listen_for_user_stream`` into :attr:`user_stream`."""

    _logger: HummingbotLogger | None = None

    def __init__(self, data_source: UserStreamTrackerDataSource) -> None:
        self._data_source = data_source
        self._user_stream: asyncio.Queue[Any] = asyncio.Queue()
        self._user_stream_tracking_task: asyncio.Task[None] | None = None

    @classmethod
    def logger(cls) -> HummingbotLogger:
        if cls._logger is None:
            cls._logger = get_logger(__name__)
        return cls._logger

    @property
    def data_source(self) -> UserStreamTrackerDataSource:
        return self._data_source

    @property
    def user_stream(self) -> asyncio.Queue[Any]:
        return self._user_stream

    @property
    def last_recv_time(self) -> float:
        return self._data_source.last_recv_time

    async def start(self) -> None:
        """Start listening (idempotent) and wait until the listener ends, like Hummingbot; run it as a task.

        Returns quietly when :meth:`stop` cancels the listener; cancelling the caller still propagates.
        """
        task = self._user_stream_tracking_task
        if task is None or task.done():
            task = self._user_stream_tracking_task = asyncio.create_task(
                self._data_source.listen_for_user_stream(self._user_stream)
            )
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    async def stop(self) -> None:
        """Cancel the listener and let the data source disconnect."""
        task = self._user_stream_tracking_task
        self._user_stream_tracking_task = None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        await self._data_source.stop()
