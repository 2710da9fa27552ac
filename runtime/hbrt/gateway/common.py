"""Gateway vocabulary: chain-network ids, DEX connector ids, trading types, transaction statuses and error codes.

Naming follows the Gateway server (``../shared/docs/gateway.md`` §4): a chain is ``ethereum`` (every EVM network) or
``solana``; a network is a name under its chain; the chain-network id is ``<chain>-<network>`` and is split at the
*first* dash (``solana-mainnet-beta`` is chain ``solana``, network ``mainnet-beta``); a DEX connector id is
``<dex>/<trading type>`` (``uniswap/amm``), used as ``connector`` in the unified routes, as ``swapProvider`` in a
network config and as ``spender`` in approvals.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class TradingType(StrEnum):
    """How a DEX is traded through Gateway."""

    ROUTER = "router"  # an aggregator or smart router quoting token to token
    AMM = "amm"  # constant-product pools; liquidity by pool address
    CLMM = "clmm"  # concentrated liquidity; liquidity by position address

    @property
    def has_pools(self) -> bool:
        return self is not TradingType.ROUTER


class TxStatus(IntEnum):
    """``txStatus`` of ``POST /chains/{chain}/poll`` and ``status`` of a transaction reply."""

    FAILED = -1  # reverted (Solana ``meta.err``), or unknown to the Ethereum node after its retries
    PENDING = 0  # not found yet (Solana), or in the mempool without a gas price (Ethereum)
    CONFIRMED = 1
    MEMPOOL_LIKELY = 2  # Ethereum: in the mempool with a competitive gas price
    MEMPOOL_STUCK = 3  # Ethereum: in the mempool with a gas price below 0.8 x the current one


class GatewayErrorCode:
    """Error codes in Gateway's error bodies (``code``). Only ``TRANSACTION_TIMEOUT`` is sent by Gateway 2.13; the
    others are Hummingbot's client-side names, accepted when a Gateway sends them."""

    TRANSACTION_TIMEOUT = "TRANSACTION_TIMEOUT"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    INVALID_PARAMS = "INVALID_PARAMS"
    SIMULATION_FAILED = "SIMULATION_FAILED"
    SLIPPAGE_EXCEEDED = "SLIPPAGE_EXCEEDED"
    NO_ROUTE_FOUND = "NO_ROUTE_FOUND"


CHAINS: tuple[str, ...] = ("ethereum", "solana")

#: Native currency symbol per chain-network id where it differs from the chain's default (gateway.md §4).
_NATIVE_BY_NETWORK: dict[str, str] = {
    "ethereum-avalanche": "AVAX",
    "ethereum-bsc": "BNB",
    "ethereum-celo": "CELO",
    "ethereum-polygon": "POL",
}
_NATIVE_BY_CHAIN: dict[str, str] = {"ethereum": "ETH", "solana": "SOL"}


def chain_network_id(chain: str, network: str) -> str:
    """``<chain>-<network>``, the id of the unified routes' ``chainNetwork`` and of a network config namespace."""
    return f"{chain}-{network}"


def split_chain_network(chain_network: str) -> tuple[str, str]:
    """Split a chain-network id at its first dash; ``ValueError`` when there is none or a side is empty."""
    chain, sep, network = chain_network.partition("-")
    if not sep or not chain or not network:
        raise ValueError(f"{chain_network!r} is not a chain-network id such as 'solana-mainnet-beta'.")
    return chain, network


def connector_id(dex: str, trading_type: TradingType | str) -> str:
    """``<dex>/<trading type>``, e.g. ``uniswap/router``."""
    return f"{dex}/{TradingType(trading_type).value}"


def split_connector_id(connector: str) -> tuple[str, TradingType]:
    """``uniswap/amm`` -> (``uniswap``, AMM); ``ValueError`` for anything else."""
    dex, sep, kind = connector.partition("/")
    if sep and dex and kind in {member.value for member in TradingType}:
        return dex, TradingType(kind)
    raise ValueError(f"{connector!r} is not a DEX connector id such as 'uniswap/amm'.")


def default_native_currency(chain: str, network: str) -> str | None:
    """The native currency Gateway's templates configure for a network (None for an unknown chain)."""
    return _NATIVE_BY_NETWORK.get(chain_network_id(chain, network), _NATIVE_BY_CHAIN.get(chain))


def is_placeholder_wallet(address: str | None) -> bool:
    """True for a missing wallet or the template placeholder (``<solana-wallet-address>``) Gateway ships with."""
    return not address or "wallet-address" in address


def amount_quantum(decimals: int) -> str:
    """The smallest amount of a token with ``decimals`` decimals, as a Decimal string (``6`` -> ``1E-6``)."""
    return f"1E-{int(decimals)}" if decimals > 0 else "1"


class ChainTraits:
    """How Gateway's replies behave on one chain (gateway.md §2.2, §2.4); the runtime reads these, never a name.

    * ``reply_amounts_are_wallet_deltas``: a confirmed execute reports realised wallet changes, whose native leg
      includes the network fee (Solana); otherwise the quoted amounts (Ethereum).
    * ``failed_execute_is_final``: an execute reply with status -1 is a failure (Ethereum); on Solana it also means
      "exists but unconfirmed", so the poll decides.
    * ``poll_reports_fee``: the poll reply's ``fee`` is filled in (Solana); Ethereum always sends null.
    * ``has_allowances``: ERC-20 allowances and approvals exist (EVM).
    """

    def __init__(
        self,
        *,
        reply_amounts_are_wallet_deltas: bool,
        failed_execute_is_final: bool,
        poll_reports_fee: bool,
        has_allowances: bool,
    ) -> None:
        self.reply_amounts_are_wallet_deltas = reply_amounts_are_wallet_deltas
        self.failed_execute_is_final = failed_execute_is_final
        self.poll_reports_fee = poll_reports_fee
        self.has_allowances = has_allowances


CHAIN_TRAITS: dict[str, ChainTraits] = {
    "ethereum": ChainTraits(
        reply_amounts_are_wallet_deltas=False, failed_execute_is_final=True, poll_reports_fee=False, has_allowances=True
    ),
    "solana": ChainTraits(
        reply_amounts_are_wallet_deltas=True, failed_execute_is_final=False, poll_reports_fee=True, has_allowances=False
    ),
}


def chain_traits(chain: str) -> ChainTraits:
    """The traits of ``chain``; ``ValueError`` naming the known chains otherwise."""
    try:
        return CHAIN_TRAITS[chain]
    except KeyError:
        raise ValueError(f"Unknown Gateway chain {chain!r}; Gateway knows {', '.join(CHAINS)}.") from None
