"""The shared connector test suite: every spot connector's test case inherits its tests from here.

Shaped like Hummingbot's ``AbstractExchangeConnectorTests``: the test case is nested in a holder class, so test
discovery does not collect the abstract case itself::

    class FakexExchangeTests(AbstractExchangeConnectorTests.ExchangeConnectorTests):
        ...  # data members (URLs, canned payloads, expected values) and create_exchange_instance()

Unlike Hummingbot's suite, almost every member a concrete test supplies is *data*: URLs (plain strings or compiled
regular expressions), canned response payloads (optionally with an HTTP status, see :class:`MockResponse`),
expected parsed values, and the request fields each request must carry. The ``configure_*`` and ``validate_*``
methods Hummingbot makes abstract have default implementations built from those data members, so a generator can
fill a concrete test from a spec without writing mock code; a connector with unusual needs overrides them.

REST is mocked with aioresponses (``self.mock_api``, started in ``asyncSetUp``); user-stream events are pushed into
the connector's user-stream queue and consumed by the connector's real ``_user_stream_event_listener``. A connector
without a user stream (``has_user_stream`` False: the exchange has no private websocket) runs the REST-polling
equivalent of a user-stream test where the suite has no polling test of that update yet, and skips the others with
the name of the polling test that covers them. Every test runs without network access and without real waiting
beyond a few event-loop turns. ``docs/shared-suite.md`` lists every member and every test.
"""

from __future__ import annotations

from hbrt.testing.exchange_market_tests import ExchangeMarketTests
from hbrt.testing.exchange_order_tests import ExchangeOrderTests
from hbrt.testing.exchange_status_tests import ExchangeStatusTests
from hbrt.testing.exchange_suite_members import MockResponse, UrlLike, as_mock_response, request_fields, url_pattern
from hbrt.testing.exchange_user_stream_tests import ExchangeUserStreamTests

__all__ = [
    "AbstractExchangeConnectorTests",
    "MockResponse",
    "UrlLike",
    "as_mock_response",
    "request_fields",
    "url_pattern",
]


class AbstractExchangeConnectorTests:
    """Holder class; the test case is :class:`AbstractExchangeConnectorTests.ExchangeConnectorTests`."""

    class ExchangeConnectorTests(
        ExchangeMarketTests.Tests,
        ExchangeOrderTests.Tests,
        ExchangeStatusTests.Tests,
        ExchangeUserStreamTests.Tests,
    ):
        """Tests every spot connector must pass. See ``docs/shared-suite.md`` for the members to provide.

        The suite is composed by area, each in its own module: the data members a concrete test supplies
        (:mod:`~hbrt.testing.exchange_suite_members`), the set-up and helpers
        (:mod:`~hbrt.testing.exchange_suite_harness`), and the tests of markets and balances, orders, REST status
        polling and lost orders, and the user stream (:mod:`~hbrt.testing.exchange_market_tests`,
        :mod:`~hbrt.testing.exchange_order_tests`, :mod:`~hbrt.testing.exchange_status_tests`,
        :mod:`~hbrt.testing.exchange_user_stream_tests`).
        """
