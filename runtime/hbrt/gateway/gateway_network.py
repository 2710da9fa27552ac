"""``GatewayNetwork``: the network half of a Gateway (DEX) connector, a :class:`~hbrt.network_base.NetworkBase`.

A connector is one DEX on one chain-network, reached through a Gateway server. This class resolves the chain,
network, wallet and swap provider, loads the chain status (native currency), the token list (amount quanta from
decimals) and the gas estimate, polls balances, and reports ``status_dict``/``ready``. Order tracking and the
transaction poll are added by :class:`~hbrt.gateway.gateway_base.GatewayBase`.

Deliberate differences from Hummingbot: the Gateway client belongs to the connector (not a process singleton);
initialisation retries until it succeeds (each failure logged), so a Gateway that is up but not yet configured does
not leave a connector half started; balances are refreshed as soon as a transaction settles, besides the periodic
poll; ``current_timestamp`` falls back to wall-clock time when nothing ticks the connector.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, ClassVar

from hbrt.connector.connector_network_base import ConnectorNetworkBase
from hbrt.connector.utils import get_tracking_nonce
from hbrt.data_type.common import TradeType
from hbrt.data_type.trade_fee import TokenAmount
from hbrt.gateway.common import (
    ChainTraits,
    TradingType,
    chain_network_id,
    chain_traits,
    connector_id,
    default_native_currency,
    is_placeholder_wallet,
    split_connector_id,
)
from hbrt.gateway.gateway_http_client import GatewayHttpClient
from hbrt.gateway.transport import GatewayConnectionSettings
from hbrt.logger import HummingbotLogger, get_logger
from hbrt.network_base import NetworkStatus

s_decimal_0 = Decimal(0)
s_decimal_NaN = Decimal("NaN")


class GatewayNetwork(ConnectorNetworkBase):
    """The network half of a Gateway connector. Generated connectors set the class facts below from their spec.

    :param network: the network (default: ``DEFAULT_NETWORK``, else the chain config's ``defaultNetwork``).
    :param trading_type: which of ``TRADING_TYPES`` swaps go through (default ``DEFAULT_TRADING_TYPE``); or
    :param connector_name: a full DEX connector id (``uniswap/amm``), for a connector not tied to one DEX.
    :param address: the wallet (default: the chain config's ``defaultWallet``).
    :param gateway_settings: where Gateway listens; or pass a ready ``gateway_client``.
    """

    #: The DEX (``uniswap``), its chain, the networks it trades on, and its trading types. Empty DEX means any.
    DEX: ClassVar[str] = ""
    CHAIN: ClassVar[str | None] = None
    NETWORKS: ClassVar[tuple[str, ...]] = ()
    DEFAULT_NETWORK: ClassVar[str | None] = None
    TRADING_TYPES: ClassVar[tuple[TradingType, ...]] = tuple(TradingType)
    DEFAULT_TRADING_TYPE: ClassVar[TradingType | None] = None
    #: Used only until Gateway names the native currency (chain status, network config).
    NATIVE_CURRENCY: ClassVar[str | None] = None

    POLL_INTERVAL: ClassVar[float] = 1.0
    BALANCE_POLL_INTERVAL: ClassVar[float] = 60.0
    INIT_RETRY_INTERVAL: ClassVar[float] = 5.0
    TRANSACTION_UNKNOWN_TIMEOUT: ClassVar[float] = 180.0
    TRANSACTION_UNKNOWN_MIN_POLLS: ClassVar[int] = 3
    LOST_ORDER_COUNT_LIMIT: ClassVar[int] = 10
    NETWORK_CHECK_INTERVAL: ClassVar[float] = 10.0
    NETWORK_CHECK_TIMEOUT: ClassVar[float] = 5.0
    NETWORK_ERROR_WAIT_TIME: ClassVar[float] = 10.0
    DEFAULT_AMOUNT_QUANTUM: ClassVar[Decimal] = Decimal("1e-6")
    PRICE_QUANTUM: ClassVar[Decimal] = Decimal("1e-15")

    def __init__(
        self,
        trading_pairs: Iterable[str] = (),
        trading_required: bool = True,
        *,
        network: str | None = None,
        trading_type: TradingType | str | None = None,
        connector_name: str | None = None,
        chain: str | None = None,
        address: str | None = None,
        gateway_settings: GatewayConnectionSettings | None = None,
        gateway_client: GatewayHttpClient | None = None,
    ) -> None:
        super().__init__()
        if trading_type is not None and connector_name is not None:
            raise ValueError("Pass trading_type or connector_name, not both.")
        if trading_type is not None:
            kind = TradingType(trading_type)
            if kind not in self.TRADING_TYPES:
                allowed = ", ".join(t.value for t in self.TRADING_TYPES)
                raise ValueError(f"{self.DEX or 'This connector'} trades {allowed}, not {kind.value}.")
            connector_name = connector_id(self.DEX, kind)
        elif connector_name is None and self.DEX and self.DEFAULT_TRADING_TYPE is not None:
            connector_name = connector_id(self.DEX, self.DEFAULT_TRADING_TYPE)
        if connector_name is not None:
            split_connector_id(connector_name)
        self._connector_name: str | None = connector_name
        self._chain: str | None = chain or self.CHAIN
        self._network: str | None = network or self.DEFAULT_NETWORK
        if self._network is not None and self.NETWORKS and self._network not in self.NETWORKS:
            raise ValueError(f"{self.DEX} is not on network {self._network!r}; it is on {', '.join(self.NETWORKS)}.")
        self._wallet_address: str | None = address
        self._trading_pairs: list[str] = list(trading_pairs)
        self._trading_required = trading_required
        self._gateway = gateway_client if gateway_client is not None else GatewayHttpClient(gateway_settings)

        self._native_currency: str | None = None
        self._chain_info: dict[str, Any] = {}
        self._network_transaction_fee: TokenAmount | None = None
        self._tokens: dict[str, dict[str, Any]] = {}
        self._amount_quantum: dict[str, Decimal] = {}
        self._account_balances: dict[str, Decimal] = {}
        self._account_available_balances: dict[str, Decimal] = {}
        self._initialized = asyncio.Event()

        self._current_timestamp: float = math.nan
        self._poll_notifier = asyncio.Event()
        self._last_poll_timestamp = 0.0
        self._init_task: asyncio.Task[None] | None = None
        self._status_polling_task: asyncio.Task[None] | None = None
        self._balance_polling_task: asyncio.Task[None] | None = None
        self._balance_update_task: asyncio.Task[None] | None = None

    @classmethod
    def logger(cls) -> HummingbotLogger:
        return get_logger(f"{cls.__module__}.{cls.__qualname__}")

    # ---- identity -----------------------------------------------------------------------------------------------

    @property
    def connector_name(self) -> str | None:
        """The DEX connector id swaps go through (``jupiter/router``); None until resolved from ``swapProvider``."""
        return self._connector_name

    @property
    def dex(self) -> str:
        return self.DEX or (split_connector_id(self._connector_name)[0] if self._connector_name else "gateway")

    @property
    def trading_type(self) -> TradingType | None:
        return split_connector_id(self._connector_name)[1] if self._connector_name else None

    @property
    def chain(self) -> str | None:
        return self._chain

    @property
    def network(self) -> str | None:
        return self._network

    @property
    def chain_network(self) -> str:
        return chain_network_id(self._require(self._chain, "chain"), self._require(self._network, "network"))

    @property
    def traits(self) -> ChainTraits:
        return chain_traits(self._require(self._chain, "chain"))

    @property
    def address(self) -> str | None:
        return self._wallet_address

    @property
    def name(self) -> str:
        """``<dex>_<chain>_<network>`` (``uniswap_ethereum_mainnet``), the connector's market name."""
        return f"{self.dex}_{self._chain or 'unknown'}_{self._network or 'default'}"

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def trading_pairs(self) -> list[str]:
        return self._trading_pairs

    @property
    def is_trading_required(self) -> bool:
        return self._trading_required

    @property
    def gateway_client(self) -> GatewayHttpClient:
        return self._gateway

    @property
    def native_currency(self) -> str | None:
        return self._native_currency

    @property
    def network_transaction_fee(self) -> TokenAmount | None:
        return self._network_transaction_fee

    @staticmethod
    def _require(value: str | None, what: str) -> str:
        if value is None:
            raise RuntimeError(f"The {what} is not resolved yet; the connector resolves it when Gateway answers.")
        return value

    @staticmethod
    def create_market_order_id(side: TradeType, trading_pair: str) -> str:
        """``<side>-<BASE-QUOTE>-<nonce>`` (``range`` for liquidity), Hummingbot's Gateway order ids."""
        return f"{side.name.lower()}-{trading_pair}-{get_tracking_nonce()}"

    # ---- clock --------------------------------------------------------------------------------------------------

    @property
    def current_timestamp(self) -> float:
        """Time of the last :meth:`tick`; wall-clock time when nothing ticks the connector."""
        return self._current_timestamp if not math.isnan(self._current_timestamp) else self._time()

    def tick(self, timestamp: float) -> None:
        """Advance the clock; wakes the status poller once ``POLL_INTERVAL`` has passed since the last poll."""
        self._current_timestamp = timestamp
        if timestamp - self._last_poll_timestamp >= self.POLL_INTERVAL:
            self._poll_notifier.set()

    async def _close_sessions(self) -> None:
        """Let the order tasks finish, then close the Gateway client's session."""
        await asyncio.gather(*list(self._pending_tasks), return_exceptions=True)
        await self._gateway.close()

    # ---- network lifecycle --------------------------------------------------------------------------------------

    async def check_network(self) -> NetworkStatus:
        """CONNECTED when Gateway answers ``GET /`` with ``{"status": "ok"}``."""
        return NetworkStatus.CONNECTED if await self._gateway.ping_gateway() else NetworkStatus.NOT_CONNECTED

    async def start_network(self) -> None:
        """Stop what runs, then initialise in the background (retrying) and start the polling loops."""
        await self.stop_network()
        self._init_task = asyncio.create_task(self._initialize_loop())

    async def stop_network(self) -> None:
        for attribute in ("_init_task", "_status_polling_task", "_balance_polling_task", "_balance_update_task"):
            task: asyncio.Task[Any] | None = getattr(self, attribute)
            setattr(self, attribute, None)
            if task is not None and not task.done() and task is not asyncio.current_task():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self._initialized.clear()

    async def _initialize_loop(self) -> None:
        while True:
            try:
                await self.initialize()
                break
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.logger().network(
                    f"Could not initialise {self.name} through Gateway ({error}); retrying in "
                    f"{self.INIT_RETRY_INTERVAL} s.",
                    exc_info=True,
                )
                await asyncio.sleep(self.INIT_RETRY_INTERVAL)
        if self._trading_required:
            self._start_polling()

    def _start_polling(self) -> None:
        """Start the polling loops once initialised (GatewayBase adds the transaction poll)."""
        self._balance_polling_task = asyncio.create_task(self._balance_polling_loop())

    async def initialize(self) -> None:
        """Resolve chain, network, wallet and swap provider; load chain status, tokens, gas estimate, balances."""
        await self._resolve_chain_network()
        chain, network = self._require(self._chain, "chain"), self._require(self._network, "network")
        if self._wallet_address is None:
            chain_config = await self._gateway.get_configuration(chain)
            wallet = chain_config.get("defaultWallet")
            if is_placeholder_wallet(wallet):
                raise ValueError(
                    f"Gateway has no default {chain} wallet ({wallet!r}); add one with POST /wallet/add and "
                    "setDefault, or pass the wallet address."
                )
            self._wallet_address = str(wallet)
        network_config = await self._gateway.get_configuration(self.chain_network)
        if self._connector_name is None:
            provider = network_config.get("swapProvider")
            if not provider:
                raise ValueError(f"Gateway's {self.chain_network} config names no swapProvider; pass one.")
            split_connector_id(str(provider))
            self._connector_name = str(provider)
        self._chain_info = await self._gateway.get_network_status(chain, network)
        self._native_currency = (
            self._chain_info.get("nativeCurrency")
            or network_config.get("nativeCurrencySymbol")
            or self.NATIVE_CURRENCY
            or default_native_currency(chain, network)
        )
        await self.load_token_data()
        await self.get_gas_estimate()
        if self._trading_required:
            await self.update_balances()
        self._initialized.set()
        self.logger().info(f"{self.name} ready: wallet {self._wallet_address}, swaps through {self._connector_name}.")

    async def _resolve_chain_network(self) -> None:
        if self._chain is None:
            dex = self.dex
            connectors = await self._gateway.get_connectors()
            for entry in connectors.get("connectors", []):
                if entry.get("name") == dex:
                    self._chain = str(entry["chain"])
                    break
            else:
                raise ValueError(f"Gateway lists no connector named {dex!r}, so its chain is unknown.")
        if self._network is None:
            chain_config = await self._gateway.get_configuration(self._chain)
            network = chain_config.get("defaultNetwork")
            if not network:
                raise ValueError(f"Gateway's {self._chain} config has no defaultNetwork; pass the network.")
            self._network = str(network)

    async def wait_until_initialized(self, timeout: float | None = None) -> None:
        async with asyncio.timeout(timeout):
            await self._initialized.wait()

    async def load_token_data(self) -> None:
        """GET ``tokens``: token records by symbol, and each amount quantum as 10^-decimals."""
        reply = await self._gateway.get_tokens(
            self._require(self._chain, "chain"), self._require(self._network, "network")
        )
        for token in reply.get("tokens", []):
            symbol = str(token["symbol"])
            self._tokens[symbol] = dict(token)
            self._amount_quantum[symbol] = Decimal(1).scaleb(-int(token["decimals"]))

    async def get_gas_estimate(self) -> None:
        """GET ``estimate-gas``: the network fee of one transaction as a TokenAmount in ``feeAsset``."""
        reply = await self._gateway.estimate_gas(
            self._require(self._chain, "chain"), self._require(self._network, "network")
        )
        if reply.get("fee") is not None:
            asset = str(reply.get("feeAsset") or self._native_currency)
            self._network_transaction_fee = TokenAmount(asset, Decimal(str(reply["fee"])))

    # ---- readiness ----------------------------------------------------------------------------------------------

    @property
    def status_dict(self) -> dict[str, bool]:
        trading = self._trading_required
        return {
            "account_balance": not trading or len(self._account_balances) > 0,
            "native_currency": self._native_currency is not None,
            "network_transaction_fee": not trading or self._network_transaction_fee is not None,
        }

    @property
    def ready(self) -> bool:
        return all(self.status_dict.values())

    # ---- tokens and quanta --------------------------------------------------------------------------------------

    @property
    def tokens(self) -> dict[str, dict[str, Any]]:
        return self._tokens

    def get_order_price_quantum(self, trading_pair: str, price: Decimal) -> Decimal:
        return self.PRICE_QUANTUM

    def get_order_size_quantum(self, trading_pair: str, order_size: Decimal) -> Decimal:
        """The coarser of the two tokens' quanta (a token missing from Gateway's list counts as 1e-6)."""
        base, quote = trading_pair.split("-", 1)
        default = self.DEFAULT_AMOUNT_QUANTUM
        return max(self._amount_quantum.get(base, default), self._amount_quantum.get(quote, default))

    def quantize_order_amount(self, trading_pair: str, amount: Decimal, price: Decimal = s_decimal_0) -> Decimal:
        quantum = self.get_order_size_quantum(trading_pair, amount)
        return (amount // quantum) * quantum

    def quantize_order_price(self, trading_pair: str, price: Decimal) -> Decimal:
        if price.is_nan():
            return price
        quantum = self.get_order_price_quantum(trading_pair, price)
        return (price // quantum) * quantum

    # ---- balances -----------------------------------------------------------------------------------------------

    def _balance_tokens(self) -> set[str]:
        tokens = {token for pair in self._trading_pairs for token in pair.split("-", 1)}
        if self._native_currency:
            tokens.add(self._native_currency)
        return tokens

    async def update_balances(self) -> None:
        """POST ``balances`` for every token of the trading pairs plus the native one; both the total and the
        available balance take the reply, and assets missing from it are dropped (as Hummingbot does)."""
        reply = await self._gateway.get_balances(
            self._require(self._chain, "chain"),
            self._require(self._network, "network"),
            self._require(self._wallet_address, "wallet address"),
            self._balance_tokens(),
        )
        balances = {str(token): Decimal(str(value)) for token, value in (reply.get("balances") or {}).items()}
        self._account_balances = dict(balances)
        self._account_available_balances = dict(balances)

    def _schedule_balance_update(self) -> None:
        """Refresh balances soon (once, however many transactions settle meanwhile)."""
        if self._balance_update_task is None or self._balance_update_task.done():
            self._balance_update_task = self._spawn(self._update_balances_logged())

    async def _update_balances_logged(self) -> None:
        try:
            await self.update_balances()
        except asyncio.CancelledError:
            raise
        except Exception:
            self.logger().network("Could not update balances from Gateway.", exc_info=True)

    async def _balance_polling_loop(self) -> None:
        while True:
            await asyncio.sleep(self.BALANCE_POLL_INTERVAL)
            await self._update_balances_logged()

    def get_balance(self, currency: str) -> Decimal:
        return self._account_balances.get(currency, s_decimal_0)

    def get_available_balance(self, currency: str) -> Decimal:
        return self._account_available_balances.get(currency, s_decimal_0)

    def get_all_balances(self) -> dict[str, Decimal]:
        return dict(self._account_balances)
