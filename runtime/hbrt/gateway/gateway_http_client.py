"""``GatewayHttpClient``: one method per Gateway route a connector calls (gateway.md §2), on :class:`GatewayTransport`.

Method names follow Hummingbot's client. Routes are Gateway 2.13's: the unified ``trading/swap`` routes for quotes
and swaps, ``chains/{chain}/...`` for balances, polls, allowances and approvals, and ``connectors/{dex}/{type}/...``
for liquidity. Amounts go out as JSON numbers (or query-string numbers); replies are returned as Gateway sends them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from hbrt.gateway.common import TradingType, chain_network_id, split_connector_id
from hbrt.gateway.transport import GatewayTransport


def _dict(reply: Any) -> dict[str, Any]:
    return dict(reply) if isinstance(reply, Mapping) else {}


class GatewayHttpClient(GatewayTransport):
    """A Gateway client for one connector (see :mod:`hbrt.gateway.transport` for the transport and its settings).

    The lists of connectors, chains and namespaces are reloaded each time the monitor sees Gateway come online.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connectors: list[str] = []
        self.chains: list[dict[str, Any]] = []
        self.namespaces: list[str] = []

    async def _on_online(self) -> None:
        connectors, chains, namespaces = (
            await self.get_connectors(),
            await self.get_chains(),
            await self.get_namespaces(),
        )
        self.chains = list(chains.get("chains", []))
        self.namespaces = list(namespaces.get("namespaces", []))
        self.connectors = [
            f"{entry['name']}/{kind}"
            for entry in connectors.get("connectors", [])
            for kind in entry.get("trading_types", [])
        ]

    # ---- config -------------------------------------------------------------------------------------------------

    async def get_configuration(self, namespace: str | None = None) -> dict[str, Any]:
        """GET ``config``: one namespace (``ethereum``, ``solana-mainnet-beta`` merges chain and network) or all."""
        return _dict(await self.api_request("GET", "config", {"namespace": namespace}))

    async def get_connectors(self) -> dict[str, Any]:
        return _dict(await self.api_request("GET", "config/connectors"))

    async def get_chains(self) -> dict[str, Any]:
        return _dict(await self.api_request("GET", "config/chains"))

    async def get_namespaces(self) -> dict[str, Any]:
        return _dict(await self.api_request("GET", "config/namespaces"))

    async def update_config(self, namespace: str, path: str, value: Any) -> dict[str, Any]:
        return _dict(
            await self.api_request("POST", "config/update", {"namespace": namespace, "path": path, "value": value})
        )

    # ---- chain --------------------------------------------------------------------------------------------------

    async def get_network_status(self, chain: str, network: str) -> dict[str, Any]:
        return _dict(await self.api_request("GET", f"chains/{chain}/status", {"network": network}))

    async def estimate_gas(self, chain: str, network: str) -> dict[str, Any]:
        return _dict(await self.api_request("GET", f"chains/{chain}/estimate-gas", {"network": network}))

    async def get_balances(
        self, chain: str, network: str, address: str, token_symbols: Iterable[str]
    ) -> dict[str, Any]:
        """POST ``chains/{chain}/balances``; the reply's ``balances`` is keyed by symbol (the native one included)."""
        body = {"network": network, "address": address, "tokens": sorted(set(token_symbols))}
        return _dict(await self.api_request("POST", f"chains/{chain}/balances", body))

    async def get_transaction_status(self, chain: str, network: str, transaction_hash: str) -> dict[str, Any]:
        """POST ``chains/{chain}/poll`` for one signature; ``txStatus`` is a :class:`~hbrt.gateway.common.TxStatus`."""
        body = {"network": network, "signature": transaction_hash}
        return _dict(await self.api_request("POST", f"chains/{chain}/poll", body))

    async def get_allowances(
        self, chain: str, network: str, address: str, token_symbols: Iterable[str], spender: str
    ) -> dict[str, Any]:
        """POST ``chains/ethereum/allowances``: ``approvals`` per symbol as decimal strings (EVM chains only)."""
        body = {"network": network, "address": address, "spender": spender, "tokens": list(token_symbols)}
        return _dict(await self.api_request("POST", f"chains/{chain}/allowances", body))

    async def approve_token(
        self, chain: str, network: str, address: str, token: str, spender: str, amount: Decimal | None = None
    ) -> dict[str, Any]:
        """POST ``chains/ethereum/approve``; no ``amount`` approves the maximum. Gateway waits for the receipt."""
        body: dict[str, Any] = {"network": network, "address": address, "token": token, "spender": spender}
        if amount is not None:
            body["amount"] = str(amount)
        return _dict(await self.api_request("POST", f"chains/{chain}/approve", body, timeout=self.transaction_timeout))

    # ---- tokens, wallets, pools ---------------------------------------------------------------------------------

    async def get_tokens(self, chain: str, network: str, search: str | None = None) -> dict[str, Any]:
        return _dict(await self.api_request("GET", "tokens", {"chain": chain, "network": network, "search": search}))

    async def get_token(self, symbol_or_address: str, chain: str, network: str) -> dict[str, Any]:
        return _dict(await self.api_request("GET", f"tokens/{symbol_or_address}", {"chain": chain, "network": network}))

    async def get_wallets(self) -> list[dict[str, Any]]:
        reply = await self.api_request("GET", "wallet")
        return [dict(item) for item in reply] if isinstance(reply, list) else []

    async def get_pool(
        self, trading_pair: str, connector: str, network: str, trading_type: TradingType | str
    ) -> dict[str, Any]:
        """GET ``pools/{BASE-QUOTE}``: the pool Gateway's pool list holds for the pair (404 when none)."""
        params = {"connector": connector, "network": network, "type": TradingType(trading_type).value}
        return _dict(await self.api_request("GET", f"pools/{trading_pair}", params))

    # ---- swaps --------------------------------------------------------------------------------------------------

    @staticmethod
    def _swap_params(
        chain: str,
        network: str,
        connector: str | None,
        base: str,
        quote: str,
        amount: Decimal,
        side: str,
        slippage_pct: Decimal | None,
    ) -> dict[str, Any]:
        return {
            "chainNetwork": chain_network_id(chain, network),
            "connector": connector,
            "baseToken": base,
            "quoteToken": quote,
            "amount": amount,
            "side": side,
            "slippagePct": slippage_pct,
        }

    async def quote_swap(
        self,
        chain: str,
        network: str,
        connector: str | None,
        base: str,
        quote: str,
        amount: Decimal,
        side: str,
        slippage_pct: Decimal | None = None,
    ) -> dict[str, Any]:
        """GET ``trading/swap/quote``; ``amount`` is in base units for both sides, ``price`` is quote per base."""
        params = self._swap_params(chain, network, connector, base, quote, amount, side, slippage_pct)
        return _dict(await self.api_request("GET", "trading/swap/quote", params))

    async def execute_swap(
        self,
        chain: str,
        network: str,
        connector: str | None,
        base: str,
        quote: str,
        amount: Decimal,
        side: str,
        wallet_address: str,
        slippage_pct: Decimal | None = None,
    ) -> dict[str, Any]:
        """POST ``trading/swap/execute``; blocks until Gateway sees the transaction confirmed or gives up waiting.

        ``walletAddress`` is always sent: Gateway's default for it is read from the Solana config even on Ethereum.
        """
        body = self._swap_params(chain, network, connector, base, quote, amount, side, slippage_pct)
        body["walletAddress"] = wallet_address
        return _dict(await self.api_request("POST", "trading/swap/execute", body, timeout=self.transaction_timeout))

    async def execute_quote(self, connector: str, quote_id: str, network: str, wallet_address: str) -> dict[str, Any]:
        """POST ``connectors/{dex}/router/execute-quote`` for a quote id from a router's own ``quote-swap``."""
        body = {"quoteId": quote_id, "network": network, "walletAddress": wallet_address}
        return _dict(
            await self.api_request(
                "POST", f"connectors/{connector}/execute-quote", body, timeout=self.transaction_timeout
            )
        )

    # ---- liquidity (``connectors/{dex}/{amm|clmm}/...``) --------------------------------------------------------

    async def lp_get(self, connector: str, route: str, params: Mapping[str, Any]) -> Any:
        """GET a liquidity read route (``pool-info``, ``position-info``, ``positions-owned``, ``quote-position``...)."""
        split_connector_id(connector)
        return await self.api_request("GET", f"connectors/{connector}/{route}", params)

    async def lp_transaction(self, connector: str, route: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST a liquidity transaction route (``open-position``, ``add-liquidity``, ...): ``{signature, status,
        data?}``."""
        split_connector_id(connector)
        return _dict(
            await self.api_request("POST", f"connectors/{connector}/{route}", body, timeout=self.transaction_timeout)
        )
