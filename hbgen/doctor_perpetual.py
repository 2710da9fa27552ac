"""The perpetual rows of ``hbgen doctor``: what a perpetual connector needs beyond a spot one.

Required (present, waived or missing, as the validator decides): positions, leverage, the position-mode switch (with
several modes), REST funding information and funding payments. Optional, each saying what the connector does
without it: a funding channel, reading the position mode, positions and margin calls on the user stream, and the
trading rules' collateral tokens. Other connector types get ``n/a`` rows.
"""

from __future__ import annotations

from typing import Any, Final

from hbgen.doctor import NOT_APPLICABLE, OK, OPTIONAL_ABSENT, Row, _kind, _l, _m, _private_mappings

#: The optional rows: requirement -> (what the connector does without it, where to add it).
_OPTIONAL: Final = {
    "funding info stream": (
        "no public channel with a funding_info mapping: funding information is fetched over REST at start only",
        "ws.public.channels",
    ),
    "position mode read": (
        "no position_mode endpoint: the account's mode is not read first, so every switch sends the request",
        "endpoints.position_mode",
    ),
    "private positions": (
        "no private event with a position mapping: positions come from the REST status poll",
        "ws.private.events",
    ),
    "margin calls": ("no private event with a margin_call mapping: margin calls are not reported", "ws.private.events"),
    "collateral tokens": (
        "the trading rule mapping reads no buy/sell_order_collateral_token: the quote asset is assumed",
        "mappings.<trading rule>.fields",
    ),
}


def _present(data: dict[str, Any]) -> dict[str, tuple[str, str] | None]:
    """For each optional requirement, (what provides it, its spec path), or None when absent."""
    channels = _m(_m(_m(data.get("ws")).get("public")).get("channels"))
    funding = [name for name, ch in channels.items() if _kind(data, _m(ch).get("mapping")) == "funding_info"]
    positions = _private_mappings(data, "position")
    margin = _private_mappings(data, "margin_call")
    rules = _m(_m(data.get("endpoints")).get("trading_rules")).get("mapping")
    rule_fields = _m(_m(_m(data.get("mappings")).get(rules)).get("fields")) if isinstance(rules, str) else {}
    collateral = [f for f in ("buy_order_collateral_token", "sell_order_collateral_token") if f in rule_fields]

    def event(found: list[tuple[str, str]]) -> tuple[str, str] | None:
        if not found:
            return None
        where = f"ws.private.events.{found[0][0]}"
        return f"{where} (mapping {found[0][1]})", where

    return {
        "funding info stream": (f"ws.public.channels.{funding[0]}",) * 2 if funding else None,
        "position mode read": ("endpoints.position_mode",) * 2
        if "position_mode" in _m(data.get("endpoints"))
        else None,
        "private positions": event(positions),
        "margin calls": event(margin),
        "collateral tokens": (f"mappings.{rules}.fields: {', '.join(collateral)}", f"mappings.{rules}.fields")
        if collateral
        else None,
    }


def perpetual_rows(data: dict[str, Any], required_rows: list[Row]) -> list[Row]:
    """The required perpetual rows (already decided) followed by the optional ones."""
    if data.get("type") != "perpetual":
        return [
            Row("perpetual", r.requirement, NOT_APPLICABLE, f"{data.get('type')} connector", "-", False)
            for r in required_rows
        ]
    modes = [m for m in _l(_m(data.get("perpetual")).get("position_modes")) if isinstance(m, str)]
    rows = []
    for row in required_rows:
        if row.requirement == "position mode switch" and row.status == NOT_APPLICABLE:
            row = Row(
                "perpetual", row.requirement, NOT_APPLICABLE, f"one position mode ({', '.join(modes)})", "-", False
            )
        rows.append(row)
    for requirement, found in _present(data).items():
        absent, where = _OPTIONAL[requirement]
        if found is not None:
            rows.append(Row("perpetual", requirement, OK, found[0], found[1], False))
        else:
            rows.append(Row("perpetual", requirement, OPTIONAL_ABSENT, absent, where, False))
    return rows
