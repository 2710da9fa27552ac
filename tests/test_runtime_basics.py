"""Logger level and the publisher/subscriber."""

import logging

from hbrt.event.events import MarketEvent
from hbrt.event.pubsub import EventLogger, PubSub
from hbrt.logger import NETWORK, HummingbotLogger, get_logger


def test_network_level_is_logged_between_debug_and_info(caplog) -> None:
    logger = get_logger("hbrt.tests.network")
    assert isinstance(logger, HummingbotLogger)
    with caplog.at_level(NETWORK, logger="hbrt.tests.network"):
        logger.network("link down")
        logger.debug("hidden")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [("NETWORK", "link down")]
    assert logging.DEBUG < NETWORK < logging.INFO


def test_get_logger_upgrades_a_plain_logger() -> None:
    plain = logging.getLogger("hbrt.tests.plain")
    assert get_logger("hbrt.tests.plain") is plain
    assert hasattr(plain, "network")


def test_pubsub_delivers_in_order_and_survives_a_failing_listener() -> None:
    pubsub = PubSub()
    first, second = EventLogger(), EventLogger()
    pubsub.add_listener(MarketEvent.OrderFilled, first)
    pubsub.add_listener(MarketEvent.OrderFilled, lambda event: 1 / 0)
    pubsub.add_listener(MarketEvent.OrderFilled, second)
    pubsub.trigger_event(MarketEvent.OrderFilled, "fill")
    pubsub.trigger_event(MarketEvent.OrderCancelled, "other")
    assert first.event_log == ["fill"] and second.event_log == ["fill"]
    pubsub.remove_listener(MarketEvent.OrderFilled, first)
    pubsub.trigger_event(MarketEvent.OrderFilled, "again")
    assert first.event_log == ["fill"] and second.event_log == ["fill", "again"]
