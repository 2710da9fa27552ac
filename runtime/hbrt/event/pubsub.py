"""A small publisher/subscriber.

Unlike Hummingbot's ``PubSub`` (which keeps listeners only by weak reference, so a listener nothing else holds
disappears silently), listeners are held strongly until removed. Publishing iterates over a snapshot, so a listener
may unsubscribe itself while handling an event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from enum import Enum
from typing import Any

from hbrt.logger import get_logger

_log = get_logger(__name__)


class EventListener:
    """Base class for listeners; subclasses implement :meth:`__call__`."""

    def __call__(self, event: Any) -> None:  # pragma: no cover - abstract by convention
        raise NotImplementedError

    def c_call(self, event: Any) -> None:
        self(event)


class EventLogger(EventListener):
    """Records every event it receives in ``event_log``; handy in tests."""

    def __init__(self) -> None:
        self.event_log: list[Any] = []

    def __call__(self, event: Any) -> None:
        self.event_log.append(event)

    def clear(self) -> None:
        self.event_log.clear()


class _CallableListener(EventListener):
    def __init__(self, fn: Callable[[Any], None]) -> None:
        self._fn = fn

    def __call__(self, event: Any) -> None:
        self._fn(event)


class PubSub:
    """Maps event tags to listeners and delivers events synchronously, in subscription order."""

    def __init__(self) -> None:
        self._listeners: dict[Enum | int, list[EventListener]] = defaultdict(list)

    def add_listener(self, event_tag: Enum | int, listener: EventListener | Callable[[Any], None]) -> EventListener:
        if not isinstance(listener, EventListener):
            listener = _CallableListener(listener)
        if listener not in self._listeners[event_tag]:
            self._listeners[event_tag].append(listener)
        return listener

    def remove_listener(self, event_tag: Enum | int, listener: EventListener) -> None:
        listeners = self._listeners.get(event_tag)
        if listeners and listener in listeners:
            listeners.remove(listener)

    def get_listeners(self, event_tag: Enum | int) -> list[EventListener]:
        return list(self._listeners.get(event_tag, ()))

    def trigger_event(self, event_tag: Enum | int, message: Any) -> None:
        for listener in tuple(self._listeners.get(event_tag, ())):
            try:
                listener(message)
            except Exception:
                _log.exception("Unexpected error in listener %r for event %s.", listener, event_tag)
