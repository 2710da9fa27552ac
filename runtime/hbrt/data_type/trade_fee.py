"""Trade fees: schemas describing what an exchange charges, and the fee objects attached to fills.

Names and semantics follow Hummingbot's ``core.data_type.trade_fee``. The one deliberate difference: there is no
rate oracle in hbrt, so :meth:`TradeFeeBase.fee_amount_in_token` only converts between tokens it can relate
without outside data (the same token, wrapped/native twins such as WETH/ETH, and the pair's base and quote
through the fill price). Anything else raises :class:`FeeConversionError` instead of guessing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from hbrt.data_type.common import OrderType, PositionAction, TradeType

S_DECIMAL_0 = Decimal(0)

# Tokens that are treated as the same asset for fee accounting (wrapped/bridged twins of a native token).
_INTERCHANGEABLE: tuple[frozenset[str], ...] = (
    frozenset({"WETH", "ETH"}),
    frozenset({"WBNB", "BNB"}),
    frozenset({"WMATIC", "MATIC"}),
    frozenset({"WAVAX", "AVAX"}),
    frozenset({"WONE", "ONE"}),
    frozenset({"USDC", "USDC.E"}),
    frozenset({"WBTC", "BTC"}),
    frozenset({"WXDAI", "XDAI"}),
)


class FeeConversionError(ValueError):
    """Raised when a fee cannot be expressed in the requested token without a rate oracle."""


def _to_decimal(value: Any) -> Decimal:
    """Coerce ``value`` to Decimal (floats through ``str`` so ``0.001`` stays exact)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(value)


def _split_pair(trading_pair: str) -> tuple[str, str]:
    parts = trading_pair.split("-")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"Invalid trading pair {trading_pair!r}: expected 'BASE-QUOTE'.")
    return parts[0], parts[1]


def tokens_interchangeable(first: str, second: str) -> bool:
    """True when ``first`` and ``second`` are the same asset for fee purposes (equal, or wrapped/native twins)."""
    a, b = first.upper(), second.upper()
    if a == b:
        return True
    return any(a in group and b in group for group in _INTERCHANGEABLE)


@dataclass
class TokenAmount:
    """An amount of one token; unpacks as ``token, amount``."""

    token: str
    amount: Decimal

    def __post_init__(self) -> None:
        self.amount = _to_decimal(self.amount)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.token, self.amount))

    def to_json(self) -> dict[str, Any]:
        return {"token": self.token, "amount": str(self.amount)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TokenAmount:
        return cls(token=data["token"], amount=Decimal(data["amount"]))


def _to_token_amounts(values: Iterable[TokenAmount | Sequence[Any]] | None) -> list[TokenAmount]:
    result: list[TokenAmount] = []
    for item in values or ():
        if isinstance(item, TokenAmount):
            result.append(item)
        else:
            token, amount = item
            result.append(TokenAmount(token, _to_decimal(amount)))
    return result


@dataclass
class TradeFeeSchema:
    """What an exchange charges, before any particular trade.

    ``percent_fee_token`` set means the percentage fee is always paid in that token (e.g. BNB), which makes
    "deducted from returns" meaningless; combining the two raises :class:`ValueError` (Hummingbot asserts).
    Percentages are decimal fractions (``0.001`` is 0.1%). Values are coerced to Decimal and fixed fees to
    :class:`TokenAmount`.
    """

    percent_fee_token: str | None = None
    maker_percent_fee_decimal: Decimal = S_DECIMAL_0
    taker_percent_fee_decimal: Decimal = S_DECIMAL_0
    buy_percent_fee_deducted_from_returns: bool = False
    maker_fixed_fees: list[TokenAmount] = field(default_factory=list)
    taker_fixed_fees: list[TokenAmount] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.percent_fee_token is not None and self.buy_percent_fee_deducted_from_returns:
            raise ValueError(
                "A fee schema with a fixed percent_fee_token cannot also have buy_percent_fee_deducted_from_returns."
            )
        self.maker_percent_fee_decimal = _to_decimal(self.maker_percent_fee_decimal)
        self.taker_percent_fee_decimal = _to_decimal(self.taker_percent_fee_decimal)
        self.maker_fixed_fees = _to_token_amounts(self.maker_fixed_fees)
        self.taker_fixed_fees = _to_token_amounts(self.taker_fixed_fees)


@dataclass
class TradeFeeBase(ABC):
    """The fee of one fill: a percentage of the notional plus zero or more flat fees.

    ``percent`` is a fraction of ``price * amount`` (valued in the quote token); ``percent_token`` names the token
    the percentage is charged in when it is not the natural one. Equality is dataclass equality, which includes the
    concrete class: an :class:`AddedToCostTradeFee` never equals a :class:`DeductedFromReturnsTradeFee`.
    """

    percent: Decimal = S_DECIMAL_0
    percent_token: str | None = None
    flat_fees: list[TokenAmount] = field(default_factory=list)

    _registry: ClassVar[dict[str, type[TradeFeeBase]]] = {}

    def __post_init__(self) -> None:
        self.percent = _to_decimal(self.percent)
        self.flat_fees = _to_token_amounts(self.flat_fees)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        descriptor = cls.__dict__.get("TYPE_DESCRIPTOR")
        if descriptor:
            TradeFeeBase._registry[descriptor] = cls

    # ---- construction -------------------------------------------------------------------------------------------

    @classmethod
    @abstractmethod
    def type_descriptor_for_json(cls) -> str:
        """The ``fee_type`` value written by :meth:`to_json`."""

    @classmethod
    def new_spot_fee(
        cls,
        fee_schema: TradeFeeSchema,
        trade_type: TradeType,
        percent: Decimal = S_DECIMAL_0,
        percent_token: str | None = None,
        flat_fees: list[TokenAmount] | None = None,
    ) -> TradeFeeBase:
        """Build the fee of a spot fill.

        A BUY gets :class:`AddedToCostTradeFee` unless the schema deducts buy fees from returns and has no percent
        token; every other case gets :class:`DeductedFromReturnsTradeFee`.
        """
        added_to_cost = trade_type == TradeType.BUY and (
            not fee_schema.buy_percent_fee_deducted_from_returns or fee_schema.percent_fee_token is not None
        )
        fee_cls: type[TradeFeeBase] = AddedToCostTradeFee if added_to_cost else DeductedFromReturnsTradeFee
        return fee_cls(percent=percent, percent_token=percent_token, flat_fees=list(flat_fees or []))

    @classmethod
    def new_perpetual_fee(
        cls,
        fee_schema: TradeFeeSchema,
        position_action: PositionAction,
        percent: Decimal = S_DECIMAL_0,
        percent_token: str | None = None,
        flat_fees: list[TokenAmount] | None = None,
    ) -> TradeFeeBase:
        """Build the fee of a perpetual fill: added to cost when opening or when a percent token is set."""
        added_to_cost = position_action == PositionAction.OPEN or fee_schema.percent_fee_token is not None
        fee_cls: type[TradeFeeBase] = AddedToCostTradeFee if added_to_cost else DeductedFromReturnsTradeFee
        return fee_cls(percent=percent, percent_token=percent_token, flat_fees=list(flat_fees or []))

    # ---- serialisation ------------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "fee_type": self.type_descriptor_for_json(),
            "percent": str(self.percent),
            "percent_token": self.percent_token,
            "flat_fees": [flat_fee.to_json() for flat_fee in self.flat_fees],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TradeFeeBase:
        """Rebuild a fee from :meth:`to_json` output, choosing the class from ``fee_type``."""
        fee_type = data.get("fee_type")
        fee_cls = TradeFeeBase._registry.get(fee_type) if isinstance(fee_type, str) else None
        if fee_cls is None:
            raise ValueError(f"Unknown fee type descriptor {fee_type!r}; expected one of {sorted(cls._registry)}.")
        return fee_cls(
            percent=Decimal(data.get("percent", "0")),
            percent_token=data.get("percent_token"),
            flat_fees=[TokenAmount.from_json(item) for item in data.get("flat_fees", [])],
        )

    # ---- amounts ------------------------------------------------------------------------------------------------

    @property
    def fee_asset(self) -> str | None:
        """The token the fee is paid in: ``percent_token``, else the first flat fee's token, else None."""
        if self.percent_token is not None:
            return self.percent_token
        if self.flat_fees:
            return self.flat_fees[0].token
        return None

    def fee_components(self, trading_pair: str, price: Decimal, order_amount: Decimal) -> list[TokenAmount]:
        """The raw pieces of this fee: the percentage part (valued in the quote token) and each flat fee."""
        _, quote = _split_pair(trading_pair)
        components: list[TokenAmount] = []
        if self.percent != S_DECIMAL_0:
            components.append(TokenAmount(quote, _to_decimal(price) * _to_decimal(order_amount) * self.percent))
        components.extend(self.flat_fees)
        return components

    @staticmethod
    def convert_amount(amount: TokenAmount, token: str, trading_pair: str, price: Decimal) -> Decimal | None:
        """Express ``amount`` in ``token`` using only the pair's own price; None when that is impossible."""
        if tokens_interchangeable(amount.token, token):
            return amount.amount
        base, quote = _split_pair(trading_pair)
        price = _to_decimal(price)
        if tokens_interchangeable(amount.token, base) and tokens_interchangeable(token, quote):
            return amount.amount * price
        if tokens_interchangeable(amount.token, quote) and tokens_interchangeable(token, base):
            if price.is_nan() or price == S_DECIMAL_0:
                return None
            return amount.amount / price
        return None

    def fee_amount_in_token(
        self, trading_pair: str, price: Decimal, order_amount: Decimal, token: str, **_unused: Any
    ) -> Decimal:
        """The whole fee of a fill of ``order_amount`` at ``price`` on ``trading_pair``, expressed in ``token``.

        Raises :class:`FeeConversionError` when a component is in a token that cannot be converted without a
        rate oracle (anything other than the same token, its wrapped twin, or the pair's base/quote). Extra
        keyword arguments (Hummingbot's ``exchange``/``rate_source``) are accepted and ignored.
        """
        total = S_DECIMAL_0
        for component in self.fee_components(trading_pair, price, order_amount):
            converted = self.convert_amount(component, token, trading_pair, price)
            if converted is None:
                raise FeeConversionError(
                    f"Cannot express a fee of {component.amount} {component.token} in {token} for {trading_pair} "
                    f"at price {price}: hbrt has no rate oracle; only same-token and base/quote conversions work."
                )
            total += converted
        return total

    @abstractmethod
    def get_fee_impact_on_order_cost(
        self, trading_pair: str, price: Decimal, order_amount: Decimal, token: str
    ) -> Decimal:
        """How much this fee adds to what the order costs, in ``token``."""

    @abstractmethod
    def get_fee_impact_on_order_returns(
        self, trading_pair: str, price: Decimal, order_amount: Decimal, token: str
    ) -> Decimal:
        """How much this fee removes from what the order returns, in ``token``."""


@dataclass
class AddedToCostTradeFee(TradeFeeBase):
    """A fee paid on top of the order's cost (e.g. a BUY paying its fee in quote, or a fee in a third token)."""

    TYPE_DESCRIPTOR: ClassVar[str] = "AddedToCost"

    @classmethod
    def type_descriptor_for_json(cls) -> str:
        return cls.TYPE_DESCRIPTOR

    def get_fee_impact_on_order_cost(
        self, trading_pair: str, price: Decimal, order_amount: Decimal, token: str
    ) -> Decimal:
        return self.fee_amount_in_token(trading_pair, price, order_amount, token)

    def get_fee_impact_on_order_returns(
        self, trading_pair: str, price: Decimal, order_amount: Decimal, token: str
    ) -> Decimal:
        return S_DECIMAL_0


@dataclass
class DeductedFromReturnsTradeFee(TradeFeeBase):
    """A fee taken out of what the order returns (e.g. a SELL whose quote proceeds are reduced)."""

    TYPE_DESCRIPTOR: ClassVar[str] = "DeductedFromReturns"

    @classmethod
    def type_descriptor_for_json(cls) -> str:
        return cls.TYPE_DESCRIPTOR

    def get_fee_impact_on_order_cost(
        self, trading_pair: str, price: Decimal, order_amount: Decimal, token: str
    ) -> Decimal:
        return S_DECIMAL_0

    def get_fee_impact_on_order_returns(
        self, trading_pair: str, price: Decimal, order_amount: Decimal, token: str
    ) -> Decimal:
        return self.fee_amount_in_token(trading_pair, price, order_amount, token)


def build_trade_fee(
    fee_schema: TradeFeeSchema,
    is_maker: bool,
    order_type: OrderType,
    order_side: TradeType,
    amount: Decimal,
    price: Decimal = Decimal("NaN"),
    extra_flat_fees: list[TokenAmount] | None = None,
    position_action: PositionAction | None = None,
) -> TradeFeeBase:
    """Estimate the fee of an order from ``fee_schema``.

    The maker side of the schema applies when ``is_maker`` or the order is LIMIT_MAKER; otherwise the taker side.
    With ``position_action`` the fee is built as a perpetual fee, else as a spot fee. ``amount`` and ``price`` are
    accepted for Hummingbot signature compatibility; the percentage is applied when the fee is valued.
    """
    maker = is_maker or order_type == OrderType.LIMIT_MAKER
    percent = fee_schema.maker_percent_fee_decimal if maker else fee_schema.taker_percent_fee_decimal
    fixed = fee_schema.maker_fixed_fees if maker else fee_schema.taker_fixed_fees
    flat_fees = list(fixed) + list(extra_flat_fees or [])
    token = fee_schema.percent_fee_token
    if position_action is not None:
        return TradeFeeBase.new_perpetual_fee(
            fee_schema, position_action, percent=percent, percent_token=token, flat_fees=flat_fees
        )
    return TradeFeeBase.new_spot_fee(fee_schema, order_side, percent=percent, percent_token=token, flat_fees=flat_fees)


def build_perpetual_trade_fee(
    fee_schema: TradeFeeSchema,
    is_maker: bool,
    position_action: PositionAction,
    order_type: OrderType,
    order_side: TradeType,
    amount: Decimal,
    price: Decimal = Decimal("NaN"),
) -> TradeFeeBase:
    """Perpetual counterpart of :func:`build_trade_fee`."""
    return build_trade_fee(fee_schema, is_maker, order_type, order_side, amount, price, position_action=position_action)
