"""``ExchangePyBase``: the template every spot exchange connector inherits.

A concrete connector supplies about thirty small members (see the abstract members below and
``docs/shared-suite.md``): where the endpoints are, how to parse their answers, how to place and cancel an order,
how to recognise three kinds of error. This class supplies the rest: the network lifecycle and its background
loops, balances, order placement and cancellation flows with quantisation and validation, REST fallbacks for order
status and fills, lost-order recovery, the trading-pair symbol map, and the ``_api_*`` request helpers.

Construction pattern (differs from Hummingbot on purpose)
--------------------------------------------------------
Hummingbot's constructor reads ``rate_limits_rules``, ``authenticator``, ``trading_pairs`` and ``domain`` and calls
the ``_create_*`` factories at once, so a subclass must assign its own fields *before* ``super().__init__()``. Here
the base constructor reads **no** abstract member: it only stores its own state. Every collaborator (throttler, auth,
web assistants factory, data sources, trackers, order tracker) is a :func:`functools.cached_property` built on first
use. A subclass may therefore call ``super().__init__(...)`` first, as ordinary Python code does, and then assign its
fields. Tests (or subclasses) may replace a collaborator by plain assignment, e.g. ``exchange._order_tracker = ...``.

Deliberate differences from Hummingbot are documented where they happen; the main ones:

* during REST status polling only a real "order not found" answer counts toward declaring an order lost; other
  errors (timeouts, HTTP 5xx, auth failures) are logged and do not count;
* the trading-rules payload re-initialises the symbol map only when rules and pairs come from the same endpoint;
* ``_get_last_traded_price`` is abstract (Hummingbot fails only at runtime);
* there is no Clock: :meth:`start` runs the network-check loop and, unless disabled, a one-second self-tick loop;
* a connector whose exchange has no private websocket says so by returning None from
  ``_create_user_stream_data_source`` (see :attr:`ExchangePyBase.has_user_stream`): no user-stream task is started
  and orders, fills and balances come from REST polling alone.
"""

from __future__ import annotations

from hbrt.connector.exchange_core import WebUtilsProtocol, s_decimal_0, s_decimal_NaN
from hbrt.connector.exchange_lifecycle import ExchangeLifecycle
from hbrt.connector.trading_pair_symbol_map import TradingPairSymbolMap

__all__ = ["ExchangePyBase", "TradingPairSymbolMap", "WebUtilsProtocol", "s_decimal_0", "s_decimal_NaN"]


class ExchangePyBase(ExchangeLifecycle):
    """Base class of spot exchange connectors (Hummingbot's ``ExchangePyBase``, reimplemented).

    Subclasses must set the class attribute :attr:`web_utils` and implement the abstract members. See the module
    docstring for the construction pattern.

    The class is built in layers, one concern each, every layer extending the one before (so each may use what the
    layers below it provide): :class:`~hbrt.connector.exchange_core.ExchangeCore` (state, abstract members,
    collaborators, REST helpers), :class:`~hbrt.connector.exchange_markets.ExchangeMarkets` (trading pairs, order
    books, prices, quantisation, fees, trading rules), :class:`~hbrt.connector.exchange_balances.ExchangeBalances`,
    :class:`~hbrt.connector.exchange_orders.ExchangeOrders` (tracking, placing and cancelling orders) and
    :class:`~hbrt.connector.exchange_lifecycle.ExchangeLifecycle` (the network lifecycle, the tick, background
    loops).
    """
