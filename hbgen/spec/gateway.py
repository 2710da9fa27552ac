"""The gateway part of the spec language: model, semantic checks and doctor facts of ``type: gateway`` specs.

A gateway spec names a DEX as the Gateway server knows it, its chain, networks and trading types, the client's
Gateway settings, and example data (tokens, pools, prices, balances, gas fee, replies) that the generated tests
load into the loopback Gateway. Everything here is read by the ``templates/gateway`` package; the JSON Schema
(``$defs/gateway``) checks shapes, :func:`gateway_diagnostics` what a schema cannot say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar

from hbgen.spec.errors import Diagnostic
from hbgen.spec.loader import LoadedDocument

__all__ = [
    "GATEWAY_TOP_LEVEL_KEYS",
    "GatewayConnectorSpec",
    "GatewayExamples",
    "GatewayFacts",
    "build_gateway_model",
    "gateway_diagnostics",
]

#: Top-level keys a gateway spec may have; every other key belongs to spot or perpetual connectors.
GATEWAY_TOP_LEVEL_KEYS = frozenset({"spec_version", "name", "display_name", "type", "example_pair", "gateway"})
#: Gateway's Ethereum transaction hashes and Solana signatures, as the example replies must carry them.
_SIGNATURE_SHAPES = {"ethereum": "0x followed by 64 hex digits", "solana": "43 to 88 base58 characters"}


@dataclass(frozen=True)
class ExampleToken:
    symbol: str
    address: str
    decimals: int
    name: str


@dataclass(frozen=True)
class ExamplePool:
    type: str
    pair: str
    address: str
    fee_pct: Decimal

    @property
    def base(self) -> str:
        return self.pair.split("-", 1)[0]

    @property
    def quote(self) -> str:
        return self.pair.split("-", 1)[1]


@dataclass(frozen=True)
class GatewayExamples:
    """Example data of the generated tests: the wallet, what Gateway's lists hold, and example replies."""

    wallet: str
    tokens: tuple[ExampleToken, ...]
    pools: tuple[ExamplePool, ...]
    prices: Mapping[str, Decimal]
    balances: Mapping[str, Decimal]
    gas_fee: Decimal
    replies: Mapping[str, Any]


@dataclass(frozen=True)
class GatewayFacts:
    dex: str
    chain: str
    networks: tuple[str, ...]
    default_network: str
    trading_types: tuple[str, ...]
    default_trading_type: str
    native_currency: str
    slippage_pct: Decimal | None
    gateway_host: str
    gateway_port: int
    gateway_use_ssl: bool
    gateway_certs_path: str
    examples: GatewayExamples

    @property
    def has_liquidity(self) -> bool:
        return any(kind in ("amm", "clmm") for kind in self.trading_types)

    @property
    def has_allowances(self) -> bool:
        return self.chain == "ethereum"


@dataclass(frozen=True)
class GatewayConnectorSpec:
    """A whole gateway connector spec (what the gateway templates render)."""

    source: str
    spec_version: int
    name: str
    display_name: str
    example_pair: str
    gateway: GatewayFacts
    type: str = "gateway"
    centralized: bool = False
    #: The DEX logic lives in the Gateway server, so a gateway spec declares no hooks (generated headers say so).
    ACCEPTS_HOOKS: ClassVar[bool] = False

    @property
    def hooks(self) -> Mapping[str, Any]:
        """Gateway connectors have no hooks: the DEX logic lives in the Gateway server."""
        return MappingProxyType({})

    @property
    def auth(self) -> None:
        """Nothing to sign: Gateway holds the wallet keys (the scaffold reads this)."""
        return None

    @property
    def waivers(self) -> Mapping[str, str]:
        return MappingProxyType({})

    @property
    def endpoints(self) -> Mapping[str, Any]:
        """No REST endpoints of its own: every call goes to Gateway's routes."""
        return MappingProxyType({})

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_")) + "Gateway"


def build_gateway_model(data: Mapping[str, Any], source: str) -> GatewayConnectorSpec:
    """The model of a valid gateway spec (schema and :func:`gateway_diagnostics` found nothing)."""
    gw = data["gateway"]
    ex = gw["examples"]
    types = tuple(gw["trading_types"])
    facts = GatewayFacts(
        dex=gw["dex"],
        chain=gw["chain"],
        networks=tuple(gw["networks"]),
        default_network=gw.get("default_network", gw["networks"][0]),
        trading_types=types,
        default_trading_type=gw.get("default_trading_type", types[0]),
        native_currency=gw["native_currency"],
        slippage_pct=None if gw.get("slippage_pct") is None else Decimal(str(gw["slippage_pct"])),
        gateway_host=gw.get("gateway_host", "localhost"),
        gateway_port=int(gw.get("gateway_port", 15888)),
        gateway_use_ssl=bool(gw.get("gateway_use_ssl", False)),
        gateway_certs_path=gw.get("gateway_certs_path", "certs"),
        examples=GatewayExamples(
            wallet=ex["wallet"],
            tokens=tuple(
                ExampleToken(t["symbol"], t["address"], int(t["decimals"]), t.get("name", t["symbol"]))
                for t in ex["tokens"]
            ),
            pools=tuple(
                ExamplePool(p["type"], p["pair"], p["address"], Decimal(str(p.get("fee_pct", "0.3"))))
                for p in ex.get("pools", [])
            ),
            prices=MappingProxyType({pair: Decimal(str(v)) for pair, v in ex["prices"].items()}),
            balances=MappingProxyType({sym: Decimal(str(v)) for sym, v in ex["balances"].items()}),
            gas_fee=Decimal(str(ex["gas_fee"])),
            replies=MappingProxyType(dict(ex.get("replies") or {})),
        ),
    )
    return GatewayConnectorSpec(
        source=source,
        spec_version=data["spec_version"],
        name=data["name"],
        display_name=data.get("display_name") or data["name"].replace("_", " ").title(),
        example_pair=data["example_pair"],
        gateway=facts,
    )


def _m(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _signature_ok(chain: str, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if chain == "ethereum":
        return len(value) == 66 and value.startswith("0x") and all(c in "0123456789abcdefABCDEF" for c in value[2:])
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    return 43 <= len(value) <= 88 and all(c in alphabet for c in value)


def gateway_diagnostics(doc: LoadedDocument) -> list[Diagnostic]:
    """What the schema cannot say about a gateway spec; tolerant of wrong types (the schema reports those)."""
    data = _m(doc.data)
    out: list[Diagnostic] = []
    for key in data:
        if key not in GATEWAY_TOP_LEVEL_KEYS:
            out.append(
                doc.diag(
                    [key],
                    f"{key} applies to spot and perpetual connectors, not to type gateway",
                    "a gateway connector reaches its DEX through Gateway's routes; remove the key",
                    key=True,
                )
            )
    if "example_pair" not in data:
        out.append(doc.diag([], 'missing required key "example_pair" for a gateway connector (the tested pair)'))
    gw = _m(data.get("gateway"))
    if not gw:
        return out
    chain = gw.get("chain")
    networks = [n for n in _l(gw.get("networks")) if isinstance(n, str)]
    types = [t for t in _l(gw.get("trading_types")) if isinstance(t, str)]
    if "default_network" in gw and gw["default_network"] not in networks:
        out.append(
            doc.diag(["gateway", "default_network"], f"default_network must be one of networks ({', '.join(networks)})")
        )
    if "default_trading_type" in gw and gw["default_trading_type"] not in types:
        out.append(
            doc.diag(
                ["gateway", "default_trading_type"],
                f"default_trading_type must be one of trading_types ({', '.join(types)})",
            )
        )
    ex = _m(gw.get("examples"))
    symbols = {s for t in _l(ex.get("tokens")) if isinstance(t, dict) and isinstance(s := t.get("symbol"), str)}
    native = gw.get("native_currency")
    if isinstance(native, str) and symbols and native not in symbols:
        out.append(
            doc.diag(["gateway", "native_currency"], f"the native currency {native} is not among examples.tokens")
        )
    pair = data.get("example_pair")
    if isinstance(pair, str) and "-" in pair and symbols:
        for token in pair.split("-", 1):
            if token not in symbols:
                out.append(doc.diag(["example_pair"], f"{token} of example_pair is not among gateway.examples.tokens"))
        if pair not in _m(ex.get("prices")):
            out.append(doc.diag(["gateway", "examples", "prices"], f"no price for the example pair {pair}"))
    for where in ("prices",):
        for key in _m(ex.get(where)):
            for token in str(key).split("-", 1):
                if symbols and token not in symbols:
                    out.append(
                        doc.diag(["gateway", "examples", where, key], f"{token} is not among examples.tokens", key=True)
                    )
    for symbol in _m(ex.get("balances")):
        if symbols and symbol not in symbols:
            out.append(
                doc.diag(
                    ["gateway", "examples", "balances", symbol], f"{symbol} is not among examples.tokens", key=True
                )
            )
    # The generated tests read and trade the example pair's pool of each pool type.
    pool_types = {p.get("type") for p in _l(ex.get("pools")) if isinstance(p, dict) and p.get("pair") == pair}
    for i, pool in enumerate(_l(ex.get("pools"))):
        if isinstance(pool, dict) and pool.get("type") not in types:
            out.append(
                doc.diag(["gateway", "examples", "pools", i, "type"], f"{pool.get('type')} is not among trading_types")
            )
    for kind in ("amm", "clmm"):
        if kind in types and kind not in pool_types:
            out.append(
                doc.diag(
                    ["gateway", "trading_types"],
                    f"trading type {kind} needs an example pool of that type for the example pair {pair} in "
                    "gateway.examples.pools",
                    f"add {{type: {kind}, pair: {pair}, address: ...}}; the generated tests trade and read it",
                )
            )
    replies = _m(ex.get("replies"))
    for name in ("execute", "poll"):
        reply = _m(replies.get(name))
        if reply and isinstance(chain, str) and not _signature_ok(chain, reply.get("signature")):
            out.append(
                doc.diag(
                    ["gateway", "examples", "replies", name, "signature"],
                    f"a {chain} signature is {_SIGNATURE_SHAPES.get(chain, 'chain-specific')}",
                )
            )
    execute = _m(replies.get("execute"))
    if execute and execute.get("status") != 1:
        out.append(
            doc.diag(
                ["gateway", "examples", "replies", "execute", "status"],
                "the example execute reply must be a confirmed one (status 1)",
            )
        )
    poll = _m(replies.get("poll"))
    if poll and poll.get("txStatus") != 1:
        out.append(
            doc.diag(
                ["gateway", "examples", "replies", "poll", "txStatus"],
                "the example poll reply must be a confirmed one (txStatus 1)",
            )
        )
    return out
