""":class:`TradingPairSymbolMap`: a connector's exchange symbols and the trading pairs they stand for, read both
ways (the map behind ``ExchangePyBase.trading_pair_symbol_map``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping


class TradingPairSymbolMap(Mapping[str, str]):
    """A read-only two-way map: exchange symbol -> ``BASE-QUOTE`` trading pair, with :attr:`inverse`.

    It stands in for Hummingbot's ``bidict`` (not a dependency here). Duplicate trading pairs are rejected, because
    the inverse lookup would be ambiguous. ``other_names`` are further names of the same pairs that messages may use
    (Kraken's websocket says ``BTC/USD`` where REST says ``XXBTZUSD``): they are read back to the pair, but the
    inverse gives the symbol.
    """

    __slots__ = ("_forward", "_inverse", "_lookup")

    def __init__(
        self,
        symbol_to_pair: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        other_names: Mapping[str, str] | None = None,
    ) -> None:
        items = symbol_to_pair.items() if isinstance(symbol_to_pair, Mapping) else symbol_to_pair
        forward: dict[str, str] = {}
        inverse: dict[str, str] = {}
        for symbol, pair in items:
            if pair in inverse and inverse[pair] != symbol:
                raise ValueError(f"Trading pair {pair} is mapped to two exchange symbols: {inverse[pair]}, {symbol}.")
            forward[symbol] = pair
            inverse[pair] = symbol
        lookup = dict(forward)
        for name, pair in (other_names or {}).items():
            if pair in inverse:
                lookup.setdefault(name, pair)  # a symbol keeps its own pair
        self._forward = forward  # iteration and length: the symbols only
        self._inverse = inverse
        self._lookup = lookup  # reading back: the symbols and the other names

    @property
    def inverse(self) -> Mapping[str, str]:
        """Trading pair -> exchange symbol."""
        return dict(self._inverse)

    def __getitem__(self, symbol: str) -> str:
        return self._lookup[symbol]

    def pair_of(self, symbol: str) -> str | None:
        """The trading pair of ``symbol`` (or of another name of it), ``None`` when unknown (one dict lookup: every
        market message asks)."""
        return self._lookup.get(symbol)

    def __iter__(self) -> Iterator[str]:
        return iter(self._forward)

    def __len__(self) -> int:
        return len(self._forward)

    def __repr__(self) -> str:
        return f"TradingPairSymbolMap({self._forward!r})"
