"""The model of trading: order types on the wire, order placement, error rules and reply checks, fees, hooks,
polling, order parameter rules, and a perpetual connector's ``perpetual`` section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hbgen.spec.model_common import Scalar, _frozen
from hbgen.spec.model_mappings import Predicate, _opt_path, _predicates
from hbgen.spec.paths import FieldPath


@dataclass(frozen=True)
class OrderTypeWire:
    """A supported order type (hbrt ``OrderType`` name) and its wire value, with a forced time in force."""

    order_type: str
    wire: str
    time_in_force: str | None
    post_only: bool


@dataclass(frozen=True)
class Orders:
    """Order vocabulary."""

    types: Mapping[str, OrderTypeWire]
    sides: Mapping[str, str]
    time_in_force: Mapping[str, str]
    client_order_id_prefix: str
    client_order_id_max_length: int


@dataclass(frozen=True)
class ErrorMatcher:
    """An error reply pattern; every given attribute must match."""

    code: int | str | None
    message: str | None
    message_contains: str | None
    http_status: int | None


@dataclass(frozen=True)
class ReplyCheck:
    """A check of a successful HTTP reply (``errors.in_body``): when the ``error_when`` predicates all hold on the
    reply (or on an item of the list at ``each``), it reports an error whose code and message are read at
    ``code_field``/``message_field`` (relative to the item with ``each``; None: the reply has none)."""

    each: FieldPath | None
    error_when: tuple[Predicate, ...]
    code_field: FieldPath | None
    message_field: FieldPath | None


@dataclass(frozen=True)
class ErrorRules:
    """Error classification rules; ``in_body`` checks successful replies for errors, in order."""

    code_field: FieldPath | None
    message_field: FieldPath | None
    in_body: tuple[ReplyCheck, ...]
    order_not_found_on_status: tuple[ErrorMatcher, ...]
    order_not_found_on_cancel: tuple[ErrorMatcher, ...]
    time_sync: tuple[ErrorMatcher, ...]
    rate_limited: tuple[ErrorMatcher, ...]
    unknown_execution: tuple[ErrorMatcher, ...]


@dataclass(frozen=True)
class Fees:
    """Default fees (fractions) - hbrt ``TradeFeeSchema``."""

    maker: Decimal
    taker: Decimal
    buy_percent_fee_deducted_from_returns: bool
    percent_fee_token: str | None
    #: The asset of a fill's fee when the fill reports the amount only: quote, base or received (None: unknown).
    fill_fee_asset: str | None = None


@dataclass(frozen=True)
class Hook:
    """A named hook: plug point and what it must do."""

    name: str
    at: str
    description: str


@dataclass(frozen=True)
class Polling:
    """Polling cadences (seconds)."""

    order_status_interval: float
    fills_endpoint: str | None
    fills_interval: float
    fills_idle_interval: float


@dataclass(frozen=True)
class OrderParamRule:
    """One rule of ``perpetual.order_params``: when the position mode, the position action and the side match
    (None matches any), ``params`` (name, value) are added to the create_order request."""

    position_mode: str | None
    position_action: str | None
    side: str | None
    params: tuple[tuple[str, Scalar], ...]


@dataclass(frozen=True)
class PerpetualSpec:
    """Perpetual settings: the supported position modes, the funding-payment poll, how the mode is switched and the
    position parameters of an order are sent, and which replies of set_position_mode and set_leverage count as
    success (``success`` predicates must hold; ``unchanged`` error replies count as success)."""

    position_modes: tuple[str, ...]
    funding_poll_interval: float
    position_mode_values: Mapping[str, Scalar]
    position_mode_scope: str
    order_params: tuple[OrderParamRule, ...]
    success: Mapping[str, tuple[Predicate, ...]]
    unchanged: Mapping[str, tuple[ErrorMatcher, ...]]


def _reply_checks(raw: Any, errors: Mapping[str, Any]) -> tuple[ReplyCheck, ...]:
    return tuple(
        ReplyCheck(
            each=_opt_path(c.get("each")),
            error_when=_predicates(c["error_when"]),
            code_field=_opt_path(c.get("code_field", errors.get("code_field"))),
            message_field=_opt_path(c.get("message_field", errors.get("message_field"))),
        )
        for c in raw or ()
    )


def _matchers(raw: Any) -> tuple[ErrorMatcher, ...]:
    return tuple(
        ErrorMatcher(m.get("code"), m.get("message"), m.get("message_contains"), m.get("http_status"))
        for m in raw or ()
    )


def _perpetual(raw: Mapping[str, Any]) -> PerpetualSpec:
    return PerpetualSpec(
        position_modes=tuple(raw["position_modes"]),
        funding_poll_interval=float(raw.get("funding_poll_interval", 600)),
        position_mode_values=_frozen(raw.get("position_mode_values") or {}),
        position_mode_scope=raw.get("position_mode_scope", "account"),
        order_params=tuple(
            OrderParamRule(
                rule.get("position_mode"),
                rule.get("position_action"),
                rule.get("side"),
                tuple(rule["params"].items()),
            )
            for rule in raw.get("order_params") or ()
        ),
        success=_frozen({role: _predicates(preds) for role, preds in (raw.get("success") or {}).items()}),
        unchanged=_frozen({role: _matchers(rules) for role, rules in (raw.get("unchanged") or {}).items()}),
    )


def _orders(raw: Any) -> Orders | None:
    if raw is None:
        return None
    types = {}
    for hb_type, wire in raw["types"].items():
        if isinstance(wire, str):
            types[hb_type] = OrderTypeWire(hb_type, wire, None, False)
        else:
            types[hb_type] = OrderTypeWire(
                hb_type, wire["type"], wire.get("time_in_force"), wire.get("post_only", False)
            )
    cid = raw["client_order_id"]
    return Orders(
        types=_frozen(types),
        sides=_frozen(raw["sides"]),
        time_in_force=_frozen(raw.get("time_in_force", {})),
        client_order_id_prefix=cid.get("prefix", ""),
        client_order_id_max_length=cid["max_length"],
    )
