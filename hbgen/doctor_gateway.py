"""``hbgen doctor`` rows of a gateway spec: what the generated connector and its tests take from each section.

A gateway connector has no REST endpoints or websocket channels of its own (Gateway's routes are fixed), so its
checklist is about the DEX facts and the example data: each row is ``ok``, ``missing`` (with the spec path to add),
``optional-absent`` (what the tests do without it) or ``n/a``.
"""

from __future__ import annotations

from typing import Any

from hbgen.doctor import MISSING, NOT_APPLICABLE, OK, OPTIONAL_ABSENT, Row

__all__ = ["gateway_rows"]

_REPLIES = {
    "quote": "trading/swap/quote",
    "execute": "a confirmed trading/swap/execute",
    "poll": "a confirmed chains/{chain}/poll",
}


def _m(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _present(rows: list[Row], section: str, requirement: str, value: Any, detail: str, fix: str) -> None:
    if value:
        rows.append(Row(section, requirement, OK, detail, fix))
    else:
        rows.append(Row(section, requirement, MISSING, f"the spec lacks {fix}", fix))


def gateway_rows(data: dict[str, Any]) -> list[Row]:
    """The checklist of a gateway spec document (which may be invalid; every accessor tolerates wrong types)."""
    gw = _m(data.get("gateway"))
    ex = _m(gw.get("examples"))
    rows: list[Row] = []
    dex, chain = gw.get("dex"), gw.get("chain")
    networks = [str(n) for n in _l(gw.get("networks"))]
    types = [str(t) for t in _l(gw.get("trading_types"))]
    _present(rows, "gateway", "DEX and chain", dex and chain, f"{dex} on {chain}", "gateway.dex and gateway.chain")
    default_network = gw.get("default_network") or (networks[0] if networks else None)
    _present(
        rows, "gateway", "networks", networks, f"{', '.join(networks)} (default {default_network})", "gateway.networks"
    )
    default_type = gw.get("default_trading_type") or (types[0] if types else None)
    _present(
        rows, "gateway", "swap provider", types, f"{dex}/{default_type} of {', '.join(types)}", "gateway.trading_types"
    )
    native = gw.get("native_currency")
    _present(rows, "gateway", "native currency", native, f"fees are reported in {native}", "gateway.native_currency")
    pool_types = [t for t in types if t in ("amm", "clmm")]
    if pool_types:
        rows.append(
            Row("gateway", "liquidity", OK, f"{', '.join(pool_types)} pools and positions", "gateway.trading_types")
        )
    else:
        rows.append(Row("gateway", "liquidity", NOT_APPLICABLE, "router only: no pools", "-", False))
    if chain == "ethereum":
        rows.append(Row("gateway", "allowances", OK, "ERC-20 approvals through Gateway", "gateway.chain"))
    else:
        rows.append(Row("gateway", "allowances", NOT_APPLICABLE, f"{chain} has no allowances", "-", False))
    tokens = [t.get("symbol") for t in _l(ex.get("tokens")) if isinstance(t, dict)]
    _present(rows, "examples", "tokens", tokens, ", ".join(str(t) for t in tokens), "gateway.examples.tokens")
    _present(
        rows, "examples", "prices", _m(ex.get("prices")), ", ".join(_m(ex.get("prices"))), "gateway.examples.prices"
    )
    _present(
        rows,
        "examples",
        "wallet and balances",
        ex.get("wallet") and "balances" in ex,
        str(ex.get("wallet")),
        "gateway.examples.balances",
    )
    pair = data.get("example_pair")
    pools = {p.get("type") for p in _l(ex.get("pools")) if isinstance(p, dict) and p.get("pair") == pair}
    for kind in pool_types:
        _present(
            rows,
            "examples",
            f"{kind} pool",
            kind in pools,
            f"a {kind} pool of the example pair",
            "gateway.examples.pools",
        )
    replies = _m(ex.get("replies"))
    for name, route in _REPLIES.items():
        if name in replies:
            rows.append(
                Row(
                    "examples",
                    f"{name} reply",
                    OK,
                    f"served to the tests as {route}",
                    f"gateway.examples.replies.{name}",
                    False,
                )
            )
        else:
            detail = f"optional: without it the tests check the loopback Gateway's simulated {route}"
            rows.append(
                Row("examples", f"{name} reply", OPTIONAL_ABSENT, detail, f"gateway.examples.replies.{name}", False)
            )
    rows.append(Row("package", "templates", OK, "templates/gateway", "-"))
    return rows
