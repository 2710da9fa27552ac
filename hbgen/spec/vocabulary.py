"""Closed vocabularies of the spec language that the semantic checks, the model and the templates share.

The JSON Schema states the same sets for editors; ``tests/hbgen/test_vocabulary.py`` keeps the two in agreement.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

#: hbrt ``OrderState`` member names (Hummingbot's order, see hummingbot-contract.md §5.2).
ORDER_STATES: Final = (
    "PENDING_CREATE",
    "OPEN",
    "PENDING_CANCEL",
    "CANCELED",
    "PARTIALLY_FILLED",
    "FILLED",
    "FAILED",
    "PENDING_APPROVAL",
    "APPROVED",
    "CREATED",
    "COMPLETED",
)

#: Target types of record fields: what the generated parser must produce.
#: decimal -> Decimal; int; str; bool; timestamp -> float seconds; levels -> list of (Decimal price, Decimal amount);
#: order_state -> OrderState; trade_side -> TradeType; trading_pair -> "BASE-QUOTE" from an exchange symbol;
#: asset -> client asset name (after symbols.aliases); position_side -> PositionSide; position_mode -> PositionMode.
TARGET_TYPES: Final = (
    "decimal",
    "int",
    "str",
    "bool",
    "timestamp",
    "levels",
    "order_state",
    "trade_side",
    "trading_pair",
    "asset",
    "position_side",
    "position_mode",
)

#: Value types (how a raw JSON value is read) allowed for each target type.
VALUE_TYPES_FOR_TARGET: Final = MappingProxyType(
    {
        "decimal": ("decimal", "int", "float"),
        "int": ("int",),
        "str": ("str",),
        "bool": ("bool",),
        "timestamp": ("timestamp_s", "timestamp_ms", "timestamp_us", "timestamp_ns", "iso8601"),
        "levels": ("levels",),
        "order_state": ("order_state",),
        "trade_side": ("trade_side",),
        "trading_pair": ("symbol",),
        "asset": ("asset", "str"),
        "position_side": ("position_side",),
        "position_mode": ("position_mode",),
    }
)

#: Record kinds: field name -> (target type, required).
KIND_FIELDS: Final = MappingProxyType(
    {
        "instrument": {"symbol": ("str", True), "base": ("asset", True), "quote": ("asset", True)},
        "trading_rule": {
            "symbol": ("trading_pair", True),
            "min_order_size": ("decimal", False),
            "max_order_size": ("decimal", False),
            "min_price_increment": ("decimal", True),
            "min_base_amount_increment": ("decimal", True),
            "min_quote_amount_increment": ("decimal", False),
            "min_notional_size": ("decimal", False),
            "min_order_value": ("decimal", False),
            "max_price_significant_digits": ("decimal", False),
            "supports_limit_orders": ("bool", False),
            "supports_market_orders": ("bool", False),
            "buy_order_collateral_token": ("asset", False),
            "sell_order_collateral_token": ("asset", False),
        },
        "order_book_snapshot": {
            "symbol": ("trading_pair", False),
            "update_id": ("int", False),
            "bids": ("levels", True),
            "asks": ("levels", True),
            "timestamp": ("timestamp", False),
        },
        "order_book_diff": {
            "symbol": ("trading_pair", False),
            "update_id": ("int", False),
            "first_update_id": ("int", False),
            "prev_update_id": ("int", False),
            "bids": ("levels", True),
            "asks": ("levels", True),
            "timestamp": ("timestamp", False),
            "checksum": ("int", False),
        },
        "trade": {
            "symbol": ("trading_pair", True),
            "trade_id": ("str", True),
            "price": ("decimal", True),
            "amount": ("decimal", True),
            "side": ("trade_side", True),
            "timestamp": ("timestamp", True),
            "update_id": ("int", False),
        },
        "order_update": {
            "symbol": ("trading_pair", False),
            "client_order_id": ("str", False),
            "exchange_order_id": ("str", False),
            "state": ("order_state", True),
            "timestamp": ("timestamp", False),
            "sequence": ("int", False),
        },
        "fill": {
            "symbol": ("trading_pair", False),
            "trade_id": ("str", True),
            "client_order_id": ("str", False),
            "exchange_order_id": ("str", False),
            "price": ("decimal", True),
            "amount": ("decimal", True),
            "quote_amount": ("decimal", False),
            "fee_amount": ("decimal", False),
            "fee_asset": ("asset", False),
            "timestamp": ("timestamp", True),
            "is_taker": ("bool", False),
            "side": ("trade_side", False),
        },
        # ``available`` is required of the balances endpoint's mapping only (see ROLE_REQUIRED_FIELDS): a user-stream
        # event may report the total alone.
        "balance": {
            "asset": ("asset", True),
            "available": ("decimal", False),
            "total": ("decimal", True),
            "sequence": ("int", False),
        },
        "order_ack": {
            "exchange_order_id": ("str", True),
            "client_order_id": ("str", False),
            "timestamp": ("timestamp", False),
            "state": ("order_state", False),
        },
        "cancel_ack": {
            "client_order_id": ("str", False),
            "exchange_order_id": ("str", False),
            "state": ("order_state", False),
        },
        "server_time": {"time": ("timestamp", True)},
        "last_price": {"symbol": ("trading_pair", False), "price": ("decimal", True)},
        # Perpetual kinds (PERPETUAL_KINDS): valid only in specs of type perpetual.
        "position": {
            "symbol": ("trading_pair", True),
            "position_side": ("position_side", False),
            "direction": ("trade_side", False),
            "amount": ("decimal", True),
            "entry_price": ("decimal", False),
            "unrealized_pnl": ("decimal", False),
            "leverage": ("decimal", False),
        },
        "funding_info": {
            "symbol": ("trading_pair", True),
            "index_price": ("decimal", False),
            "mark_price": ("decimal", False),
            "next_funding_time": ("timestamp", False),
            "rate": ("decimal", False),
        },
        "funding_payment": {
            "symbol": ("trading_pair", False),
            "amount": ("decimal", True),
            "timestamp": ("timestamp", True),
            "rate": ("decimal", False),
        },
        "leverage": {"leverage": ("decimal", False)},
        "position_mode": {"mode": ("position_mode", True)},
        "margin_call": {
            "symbol": ("trading_pair", True),
            "position_side": ("position_side", False),
            "direction": ("trade_side", False),
            "amount": ("decimal", False),
            "unrealized_pnl": ("decimal", False),
            "maintenance_margin": ("decimal", False),
        },
    }
)
#: Record kinds only a perpetual connector reads.
#: Mapping kinds that may be keyed (REST results keyed by pair, asset or order id, like Kraken's).
KEYED_KINDS: Final = ("instrument", "trading_rule", "last_price", "order_update", "fill", "balance")
PERPETUAL_KINDS: Final = ("position", "funding_info", "funding_payment", "leverage", "position_mode", "margin_call")
#: Fields a mapping must read when an endpoint of the role uses it (beyond the kind's required ones).
ROLE_REQUIRED_FIELDS: Final = MappingProxyType(
    {
        "balances": ("available",),
        "funding_info": ("index_price", "mark_price", "next_funding_time", "rate"),
    }
)

#: Connector inputs an endpoint of each well-known role receives (custom endpoints may use any input).
ALL_INPUTS: Final = (
    "symbol",
    "trading_pair",
    "side",
    "order_type",
    "time_in_force",
    "amount",
    "price",
    "quote_amount",
    "post_only",
    "client_order_id",
    "exchange_order_id",
    "start_time",
    "depth",
    "listen_key",
    "token",
    "leverage",
    "position_mode",
)
#: Inputs that may have no value where a request is built (no exchange order id yet, a market order's price, no
#: start time, no quote amount without a price, an order type without a time in force): a parameter taking one is sent
#: only when it has a value, as if it were ``optional``.
NULLABLE_INPUTS: Final = frozenset({"exchange_order_id", "price", "start_time", "quote_amount", "time_in_force"})
_PAIR = ("symbol", "trading_pair")
#: The Python value of each connector input where a generated method reads it: how a request parameter writes it.
#: ``decimal`` is written as a plain decimal string (``format: plain``, or no format), ``int`` as an integer, ``time``
#: is seconds (``format: ms`` / ``s``); the other inputs are text already.
INPUT_TYPES: Final = MappingProxyType(
    {
        "symbol": "str",
        "trading_pair": "str",
        "side": "str",
        "order_type": "str",
        "time_in_force": "str",
        "amount": "decimal",
        "price": "decimal",
        "quote_amount": "decimal",
        "post_only": "bool",
        "client_order_id": "str",
        "exchange_order_id": "str",
        "start_time": "time",
        "depth": "int",
        "listen_key": "str",
        "token": "str",
        "leverage": "int",
        "position_mode": "str",
    }
)
ROLE_INPUTS: Final = MappingProxyType(
    {
        "server_time": (),
        "ping": (),
        "trading_rules": (),
        "order_book_snapshot": _PAIR + ("depth",),
        "last_price": _PAIR,
        "ticker_24h": _PAIR,
        "book_ticker": _PAIR,
        "create_order": _PAIR
        + ("side", "order_type", "time_in_force", "amount", "price", "quote_amount", "post_only", "client_order_id"),
        "cancel_order": _PAIR + ("client_order_id", "exchange_order_id"),
        "order_status": _PAIR + ("client_order_id", "exchange_order_id"),
        "open_orders": _PAIR,
        "balances": (),
        "my_trades": _PAIR + ("exchange_order_id", "start_time"),
        "positions": _PAIR,
        "funding_info": _PAIR,
        "funding_payments": _PAIR + ("start_time",),
        "set_leverage": _PAIR + ("leverage",),
        "set_position_mode": _PAIR + ("position_mode",),
        "position_mode": _PAIR,
    }
)
#: Endpoint roles only a perpetual connector has.
PERPETUAL_ROLES: Final = (
    "positions",
    "funding_info",
    "funding_payments",
    "set_leverage",
    "set_position_mode",
    "position_mode",
)

#: Mapping kinds an endpoint of each role may use to parse its response.
ROLE_MAPPING_KINDS: Final = MappingProxyType(
    {
        "server_time": ("server_time",),
        "ping": (),
        "trading_rules": ("trading_rule",),
        "order_book_snapshot": ("order_book_snapshot",),
        "last_price": ("last_price",),
        "ticker_24h": ("last_price",),
        "book_ticker": ("last_price",),
        "create_order": ("order_ack",),
        "cancel_order": ("cancel_ack", "order_update"),
        "order_status": ("order_update",),
        "open_orders": ("order_update",),
        "balances": ("balance",),
        "my_trades": ("fill",),
        "positions": ("position",),
        "funding_info": ("funding_info",),
        "funding_payments": ("funding_payment",),
        "set_leverage": ("leverage",),
        "set_position_mode": (),
        "position_mode": ("position_mode",),
    }
)

#: Roles whose endpoint must name a mapping (the connector cannot work without parsing their replies).
ROLES_NEEDING_MAPPING: Final = (
    "server_time",
    "trading_rules",
    "order_book_snapshot",
    "create_order",
    "order_status",
    "balances",
    "my_trades",
    "positions",
    "funding_info",
    "funding_payments",
    "position_mode",
)

#: Which endpoint plays each part of a generated spot package, first present wins.
ROLE_CHOICES: Final = MappingProxyType(
    {
        "price": ("last_price", "ticker_24h", "book_ticker"),
        "network": ("ping", "server_time"),
        "create": ("create_order",),
        "cancel": ("cancel_order",),
        "status": ("order_status",),
        "open": ("open_orders",),
        "balances": ("balances",),
        "fills": ("my_trades",),
        "rules": ("trading_rules",),
    }
)
#: The parts a spot package cannot be generated without (a waiver satisfies the capability check, not these).
PACKAGE_ROLES: Final = ("price", "network", "create", "cancel", "status", "balances", "rules")
#: The sections a spot package cannot be generated without.
PACKAGE_SECTIONS: Final = MappingProxyType(
    {"symbols": "exchange symbol <-> trading pair map", "orders": "order types and sides"}
)

PUBLIC_CHANNEL_KINDS: Final = ("order_book_diff", "order_book_snapshot", "trade", "funding_info")
PRIVATE_EVENT_KINDS: Final = ("order_update", "fill", "balance", "position", "margin_call")

#: Hook plug points that a spec element names (the element is replaced by the hook) -> the element's description.
REFERENCED_HOOK_SITES: Final = MappingProxyType(
    {
        "auth.sign": "a signing recipe's hook",
        "ws.login": "ws.private.login.hook",
        "order_book.checksum": "order_book.integrity.checksum.hook",
        "mapping.parse": "a mapping's hook",
    }
)
FREE_HOOK_SITES: Final = (
    "exchange.place_order",
    "exchange.cancel_order",
    "exchange.status_polling",
    "exchange.user_stream_event",
    "symbols.resolve_duplicates",
)

#: Hummingbot capabilities a spot or perpetual connector needs, each present in the spec or waived.
CAPABILITIES: Final = (
    "rest_trading_rules",
    "rest_server_status",
    "rest_order_status",
    "rest_create_order",
    "rest_cancel_order",
    "rest_balances",
    "rate_limits",
    "ws_order_book",
    "ws_trades",
    "ws_private_orders",
    "ws_private_trades",
)
#: What a perpetual connector needs on top of CAPABILITIES (rest_position_mode only with several position modes).
PERPETUAL_CAPABILITIES: Final = (
    "rest_positions",
    "rest_leverage",
    "rest_position_mode",
    "rest_funding_info",
    "rest_funding_payments",
)

#: Placeholders allowed in each kind of template string (``${name}``).
PLACEHOLDERS: Final = MappingProxyType(
    {
        "endpoint_path": ("symbol", "trading_pair", "client_order_id", "exchange_order_id"),
        "stream": ("symbol", "trading_pair"),
        "websocket_symbol": ("base", "quote", "exchange_base", "exchange_quote", "symbol"),
        "subscription": (
            "streams",
            "stream",
            "symbol",
            "symbols",
            "trading_pair",
            "id",
            "channel",
            "time_s",
            "token",
            "uuid",
        ),
        "login": ("uuid", "id", "signed_params", "api_key", "timestamp", "signature", "passphrase", "token", "time_s"),
        "private_subscription": ("id", "time_s", "uuid", "token", "api_key", "timestamp", "signature", "passphrase"),
        "url": ("url", "listen_key", "token", "uuid"),
        "heartbeat": ("id", "time_s", "uuid"),
    }
)

#: Keys of ws.private.login that apply to each login style (besides style).
LOGIN_STYLE_KEYS: Final = MappingProxyType(
    {
        "signed_subscribe": ("message", "recipe", "success", "error_code", "error_message"),
        "signed_login": ("message", "recipe", "success", "error_code", "error_message"),
        "listen_key": ("create", "keep_alive", "close", "keep_alive_interval", "key_field", "url_template"),
        "rest_token": (
            "endpoint",
            "token_field",
            "url_field",
            "url_template",
            "message",
            "success",
            "ping_interval_field",
            "token_lifetime",
            "token_lifetime_field",
        ),
        "hook": ("hook",),
    }
)

#: The ``ws.private.login.url_template`` placeholders each login style has values for (``${uuid}``: a fresh one per
#: connection, e.g. KuCoin's ``connectId``).
URL_PLACEHOLDERS_BY_STYLE: Final = MappingProxyType(
    {"listen_key": ("url", "listen_key", "uuid"), "rest_token": ("url", "token", "uuid")}
)

#: The ``ws.private.login.message`` placeholders each login style has values for: the signed values come from the
#: recipe of the signed styles, ``${token}`` only from a token minted over REST.
_SIGNED_MESSAGE_PLACEHOLDERS: tuple[str, ...] = ("uuid", "id", "time_s", "signed_params", "api_key", "timestamp")
_SIGNED_MESSAGE_PLACEHOLDERS += ("signature", "passphrase")
LOGIN_MESSAGE_PLACEHOLDERS_BY_STYLE: Final = MappingProxyType(
    {
        "signed_subscribe": _SIGNED_MESSAGE_PLACEHOLDERS,
        "signed_login": _SIGNED_MESSAGE_PLACEHOLDERS,
        "rest_token": ("uuid", "id", "time_s", "token"),
    }
)

PREDICATE_OPERATORS: Final = ("equals", "not_equals", "in", "contains", "any_contains", "present", "empty")
