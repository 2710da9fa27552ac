"""What the loopback Gateway knows: networks, tokens, prices, pools, wallets, allowances and transactions.

Transactions are simulated: a swap is priced from the world's price table (quote per base), checked against the
wallet's balances (and allowances on chains that have them), given a signature in the chain's format and a gas fee
in the native currency, and settled either at once or after a number of polls. Balances move when a transaction
confirms: the two legs, and the fee out of the native balance.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

MAX_UINT256 = Decimal(2**256 - 1)
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58(raw: bytes) -> str:
    number = int.from_bytes(raw, "big")
    text = ""
    while number:
        number, digit = divmod(number, 58)
        text = _B58[digit] + text
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + text


@dataclass
class Token:
    symbol: str
    address: str
    decimals: int
    name: str = ""

    def as_json(self, chain_id: int | None = None) -> dict[str, Any]:
        token: dict[str, Any] = {"name": self.name or self.symbol, "symbol": self.symbol, "address": self.address}
        token["decimals"] = self.decimals
        if chain_id is not None:
            token["chainId"] = chain_id
        return token


@dataclass
class Network:
    chain: str
    network: str
    native: str
    swap_provider: str
    gas_fee: Decimal
    chain_id: int | None = None
    tokens: dict[str, Token] = field(default_factory=dict)
    block: int = 1_000_000

    @property
    def chain_network(self) -> str:
        return f"{self.chain}-{self.network}"

    def token(self, symbol_or_address: str) -> Token | None:
        if symbol_or_address in self.tokens:
            return self.tokens[symbol_or_address]
        lowered = symbol_or_address.lower()
        return next((t for t in self.tokens.values() if t.address.lower() == lowered), None)


@dataclass
class Pool:
    connector: str  # dex name
    type: str  # amm | clmm
    network: str
    base: str
    quote: str
    address: str
    fee_pct: Decimal = Decimal("0.3")

    def as_json(self, net: Network) -> dict[str, Any]:
        base, quote = net.tokens[self.base], net.tokens[self.quote]
        return {
            "type": self.type,
            "network": self.network,
            "baseSymbol": self.base,
            "quoteSymbol": self.quote,
            "baseTokenAddress": base.address,
            "quoteTokenAddress": quote.address,
            "feePct": float(self.fee_pct),
            "address": self.address,
        }


@dataclass
class Transaction:
    signature: str
    net: Network
    wallet: str
    kind: str  # swap | approve | lp
    deltas: dict[str, Decimal]  # wallet balance changes on confirmation, fee included
    fee: Decimal
    fate: str = "confirm"  # confirm | fail | revert | lost
    polls_left: int = 0
    status: int = 0  # 0 pending, 1 confirmed, -1 failed
    block: int | None = None
    on_confirm: Callable[[], None] | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """How the next transaction behaves: ``mode`` of the execute reply (confirmed, pending, failed), then the
    ``fate`` a pending transaction meets after ``polls`` polls (confirm, fail, revert: mined but reverted, lost:
    never found)."""

    mode: str = "confirmed"
    fate: str = "confirm"
    polls: int = 1


class World:
    def __init__(self) -> None:
        self.networks: dict[str, Network] = {}
        self.default_network: dict[str, str] = {}
        self.default_wallet: dict[str, str] = {}
        self.connectors: list[dict[str, Any]] = []
        self.prices: dict[tuple[str, str, str], Decimal] = {}
        self.pools: list[Pool] = []
        self.balances: dict[tuple[str, str], dict[str, Decimal]] = {}  # (chain-network, wallet) -> symbol -> amount
        self.allowances: dict[tuple[str, str, str], Decimal] = {}  # (chain-network, wallet, symbol) -> amount
        self.spenders: dict[str, str] = {}  # connector id -> spender address
        self.transactions: dict[str, Transaction] = {}
        self.positions: dict[str, dict[str, Any]] = {}
        self.plans: list[Plan] = []
        self.default_plan = Plan()
        self._counter = itertools.count(1)

    # ---- building -----------------------------------------------------------------------------------------------

    def add_network(
        self,
        chain: str,
        network: str,
        native: str,
        swap_provider: str,
        gas_fee: Decimal | str,
        tokens: Iterable[Token],
        chain_id: int | None = None,
        default: bool = False,
    ) -> Network:
        net = Network(chain, network, native, swap_provider, Decimal(str(gas_fee)), chain_id)
        net.tokens = {token.symbol: token for token in tokens}
        self.networks[net.chain_network] = net
        if default or chain not in self.default_network:
            self.default_network[chain] = network
        return net

    def add_connector(self, name: str, chain: str, trading_types: Iterable[str], networks: Iterable[str]) -> None:
        self.connectors.append(
            {"name": name, "trading_types": list(trading_types), "chain": chain, "networks": list(networks)}
        )
        for kind in trading_types:
            digest = hashlib.sha256(f"{name}/{kind}".encode()).hexdigest()
            self.spenders[f"{name}/{kind}"] = "0x" + digest[:40]

    def set_price(self, chain_network: str, base: str, quote: str, price: Decimal | str) -> None:
        self.prices[(chain_network, base, quote)] = Decimal(str(price))

    def add_pool(self, pool: Pool) -> None:
        self.pools.append(pool)

    def fund(self, chain_network: str, wallet: str, amounts: Mapping[str, Decimal | str]) -> None:
        book = self.balances.setdefault((chain_network, wallet), {})
        for symbol, amount in amounts.items():
            book[symbol] = Decimal(str(amount))

    def approve(self, chain_network: str, wallet: str, symbol: str, amount: Decimal = MAX_UINT256) -> None:
        """Grant an allowance directly, as an approval confirmed before the test began."""
        self.allowances[(chain_network, wallet, symbol)] = amount

    def accrue_fees(self, position_address: str, base: Decimal | str, quote: Decimal | str) -> None:
        """Let the CLMM position earn trading fees (what ``collect-fees`` later pays out)."""
        held = self.positions[position_address]
        held["baseFeeAmount"] = float(Decimal(str(held.get("baseFeeAmount") or 0)) + Decimal(str(base)))
        held["quoteFeeAmount"] = float(Decimal(str(held.get("quoteFeeAmount") or 0)) + Decimal(str(quote)))

    def set_default_wallet(self, chain: str, wallet: str) -> None:
        self.default_wallet[chain] = wallet

    # ---- reading ------------------------------------------------------------------------------------------------

    def network(self, chain: str, network: str | None) -> Network | None:
        return self.networks.get(f"{chain}-{network or self.default_network.get(chain, '')}")

    def balance(self, net: Network, wallet: str, symbol: str) -> Decimal:
        return self.balances.get((net.chain_network, wallet), {}).get(symbol, Decimal(0))

    def price(self, net: Network, base: str, quote: str) -> Decimal | None:
        direct = self.prices.get((net.chain_network, base, quote))
        if direct is not None:
            return direct
        inverse = self.prices.get((net.chain_network, quote, base))
        return Decimal(1) / inverse if inverse else None

    def find_pool(self, dex: str, kind: str, network: str, base: str, quote: str) -> Pool | None:
        for pool in self.pools:
            if (pool.connector, pool.type, pool.network) == (dex, kind, network) and {pool.base, pool.quote} == {
                base,
                quote,
            }:
                return pool
        return None

    # ---- transactions -------------------------------------------------------------------------------------------

    def next_plan(self) -> Plan:
        return self.plans.pop(0) if self.plans else self.default_plan

    def new_signature(self, net: Network) -> str:
        raw = hashlib.sha512(f"{net.chain_network}-{next(self._counter)}".encode()).digest()
        return "0x" + raw[:32].hex() if net.chain == "ethereum" else _base58(raw)

    def submit(
        self,
        net: Network,
        wallet: str,
        kind: str,
        deltas: Mapping[str, Decimal],
        plan: Plan,
        on_confirm: Callable[[], None] | None = None,
    ) -> Transaction:
        """Record a transaction; with ``plan.mode == "confirmed"`` it settles now."""
        fee = net.gas_fee
        moves = dict(deltas)
        moves[net.native] = moves.get(net.native, Decimal(0)) - fee
        tx = Transaction(
            self.new_signature(net), net, wallet, kind, moves, fee, plan.fate, plan.polls, on_confirm=on_confirm
        )
        self.transactions[tx.signature] = tx
        if plan.mode == "confirmed":
            self.settle(tx, "confirm")
        elif plan.mode == "failed":
            self.settle(tx, "fail")
        return tx

    def settle(self, tx: Transaction, fate: str) -> None:
        net = tx.net
        net.block += 1
        if fate == "confirm":
            tx.status, tx.block = 1, net.block
            book = self.balances.setdefault((net.chain_network, tx.wallet), {})
            for symbol, change in tx.deltas.items():
                book[symbol] = book.get(symbol, Decimal(0)) + change
            if tx.on_confirm is not None:
                tx.on_confirm()
        elif fate in ("fail", "revert"):
            # A reverted transaction is mined and pays its gas, and nothing else moves. Gateway's Ethereum poll
            # answers txStatus 1 for it (its receipt exists, whatever the receipt's status; gateway.md §2.2);
            # Solana's reports the error (meta.err) as -1.
            reverted_on_ethereum = fate == "revert" and net.chain == "ethereum"
            tx.status, tx.block = (1 if reverted_on_ethereum else -1), net.block
            book = self.balances.setdefault((net.chain_network, tx.wallet), {})
            book[net.native] = book.get(net.native, Decimal(0)) - tx.fee  # a failed transaction still pays gas

    def poll(self, tx: Transaction) -> None:
        """One poll of a pending transaction: count down, then meet its fate (``lost`` never settles)."""
        if tx.status != 0 or tx.fate == "lost":
            return
        if tx.polls_left > 0:
            tx.polls_left -= 1
        if tx.polls_left <= 0:
            self.settle(tx, tx.fate)


def default_world() -> World:
    """Ethereum mainnet (Uniswap router/AMM/CLMM) and Solana mainnet-beta (Jupiter, Raydium), funded wallets.

    Prices and balances are illustrative; addresses of tokens are the real mainnet ones.
    """
    world = World()
    eth = world.add_network(
        "ethereum",
        "mainnet",
        "ETH",
        "uniswap/router",
        "0.00081",
        [
            Token("ETH", "0x0000000000000000000000000000000000000000", 18, "Ether"),
            Token("WETH", "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", 18, "Wrapped Ether"),
            Token("USDC", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6, "USD Coin"),
            Token("DAI", "0x6B175474E89094C44Da98b954EedeAC495271d0F", 18, "Dai Stablecoin"),
        ],
        chain_id=1,
    )
    sol = world.add_network(
        "solana",
        "mainnet-beta",
        "SOL",
        "jupiter/router",
        "0.000105",
        [
            Token("SOL", "So11111111111111111111111111111111111111112", 9, "Solana"),
            Token("USDC", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", 6, "USD Coin"),
            Token("JUP", "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN", 6, "Jupiter"),
        ],
    )
    world.add_connector("uniswap", "ethereum", ["amm", "clmm", "router"], ["mainnet"])
    world.add_connector("jupiter", "solana", ["router"], ["mainnet-beta"])
    world.add_connector("raydium", "solana", ["amm", "clmm"], ["mainnet-beta"])
    world.set_price(eth.chain_network, "WETH", "USDC", "3224.8")
    world.set_price(eth.chain_network, "WETH", "DAI", "3225.1")
    world.set_price(sol.chain_network, "SOL", "USDC", "145.2")
    world.set_price(sol.chain_network, "JUP", "USDC", "0.52")
    world.add_pool(Pool("uniswap", "amm", "mainnet", "WETH", "USDC", "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc"))
    world.add_pool(
        Pool(
            "uniswap", "clmm", "mainnet", "WETH", "USDC", "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640", Decimal("0.05")
        )
    )
    world.add_pool(
        Pool("raydium", "amm", "mainnet-beta", "SOL", "USDC", "58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2")
    )
    eth_wallet = "0x8f3Cf7ad23Cd3CaDbD9735AFf958023239c6A063"
    sol_wallet = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
    world.set_default_wallet("ethereum", eth_wallet)
    world.set_default_wallet("solana", sol_wallet)
    world.fund(eth.chain_network, eth_wallet, {"ETH": "2", "WETH": "3", "USDC": "10000", "DAI": "0"})
    world.fund(sol.chain_network, sol_wallet, {"SOL": "25", "USDC": "5000", "JUP": "0"})
    return world
