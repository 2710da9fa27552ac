"""Route handlers of the loopback Gateway, with the request schemas and reply shapes of Gateway 2.13 (gateway.md §2).

Where Gateway's exact message is not documented the text is reconstructed (marked "reconstructed").
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from hbrt.testing.gateway.validation import Field, f, validate
from hbrt.testing.gateway.world import MAX_UINT256, Network, Plan, Pool, Token, Transaction, World

if TYPE_CHECKING:
    from hbrt.testing.gateway.server import LoopbackGateway

Handler = Callable[[web.Request], Awaitable[Any]]

SWAP_QUERY = (
    f("chainNetwork", default="solana-mainnet-beta"),
    f("connector"),
    f("baseToken", default="SOL"),
    f("quoteToken", default="USDC"),
    f("amount", "number", default=1),
    f("side", default="SELL", enum=("BUY", "SELL")),
    f("slippagePct", "number"),
)


class GatewayHttpError(Exception):
    """Raised by a route handler: becomes ``{statusCode, error, message[, code]}``."""

    def __init__(self, status: int, message: str, code: str | None = None, error: str = "HttpError") -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.error = status, message, code, error


def _num(value: Decimal, decimals: int = 18) -> float:
    return float(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_DOWN))


class Routes:
    def __init__(self, gateway: LoopbackGateway) -> None:
        self.gateway = gateway

    @property
    def world(self) -> World:
        return self.gateway.world

    # ---- helpers ------------------------------------------------------------------------------------------------

    def _params(self, request: web.Request, schema: tuple[Field, ...]) -> dict[str, Any]:
        where = "querystring" if request.method == "GET" else "body"
        return validate(where, schema, request["payload"])

    def _net(self, chain: str, network: str | None) -> Network:
        if chain not in ("ethereum", "solana"):
            raise GatewayHttpError(400, f"Unsupported chain: {chain}")
        net = self.world.network(chain, network)
        if net is None:
            raise GatewayHttpError(400, f"Network {network} is not configured for {chain}")
        return net

    def _token(self, net: Network, symbol_or_address: str) -> Token:
        token = net.token(symbol_or_address)
        if token is None:
            raise GatewayHttpError(400, f"Token not found in token list: {symbol_or_address}")
        return token

    def _wallet(self, chain: str, address: str | None) -> str:
        wallet = address or self.world.default_wallet.get(chain)
        if not wallet:
            raise GatewayHttpError(400, f"No wallet given and no default {chain} wallet")
        return wallet

    def _tx_reply(self, tx: Transaction, plan: Plan, data: dict[str, Any]) -> dict[str, Any]:
        if plan.mode == "confirmed":
            return {"signature": tx.signature, "status": 1, "data": data}
        if plan.mode == "pending":
            return {"signature": tx.signature, "status": 0}
        if tx.net.chain == "solana":  # "exists but unconfirmed": -1 with zeroed data (gateway.md §2.4)
            return {"signature": tx.signature, "status": -1, "data": {key: 0 for key in data}}
        return {"signature": tx.signature, "status": -1}

    # ---- health and config --------------------------------------------------------------------------------------

    async def root(self, request: web.Request) -> Any:
        return {"status": "ok"}

    def _namespaces(self) -> dict[str, dict[str, Any]]:
        spaces: dict[str, dict[str, Any]] = {}
        for chain in ("ethereum", "solana"):
            spaces[chain] = {
                "defaultNetwork": self.world.default_network.get(chain, ""),
                "defaultWallet": self.world.default_wallet.get(chain, f"<{chain}-wallet-address>"),
                "rpcProvider": "url",
            }
        for key, net in self.world.networks.items():
            spaces[key] = {
                "chainID": net.chain_id or 0,
                "nodeURL": f"http://127.0.0.1/{key}",
                "nativeCurrencySymbol": net.native,
                "swapProvider": net.swap_provider,
            }
        for entry in self.world.connectors:
            spaces[entry["name"]] = {"slippagePct": 1}
        return spaces

    async def config(self, request: web.Request) -> Any:
        namespace = self._params(request, (f("namespace"),)).get("namespace")
        spaces = self._namespaces()
        if namespace is None:
            return spaces
        if namespace not in spaces:
            raise GatewayHttpError(404, f"Namespace '{namespace}' not found")
        if namespace in self.world.networks:
            chain = self.world.networks[namespace].chain
            return {**spaces[chain], **spaces[namespace]}
        return spaces[namespace]

    async def chains(self, request: web.Request) -> Any:
        by_chain: dict[str, list[str]] = {"ethereum": [], "solana": []}
        for net in self.world.networks.values():
            by_chain[net.chain].append(net.network)
        return {"chains": [{"chain": chain, "networks": networks} for chain, networks in by_chain.items()]}

    async def connectors(self, request: web.Request) -> Any:
        return {"connectors": self.world.connectors}

    async def namespaces(self, request: web.Request) -> Any:
        return {"namespaces": sorted(self._namespaces())}

    # ---- chain --------------------------------------------------------------------------------------------------

    async def status(self, request: web.Request) -> Any:
        chain = request.match_info["chain"]
        net = self._net(chain, self._params(request, (f("network"),)).get("network"))
        return {
            "chain": chain,
            "network": net.network,
            "rpcUrl": f"http://127.0.0.1/{net.chain_network}",
            "rpcProvider": "url",
            "currentBlockNumber": net.block,
            "nativeCurrency": net.native,
            "swapProvider": net.swap_provider,
        }

    async def estimate_gas(self, request: web.Request) -> Any:
        chain = request.match_info["chain"]
        net = self._net(chain, self._params(request, (f("network"),)).get("network"))
        units = "lamports" if chain == "solana" else "gwei"
        return {
            "feePerComputeUnit": 0.5,
            "denomination": units,
            "computeUnits": 200000,
            "feeAsset": net.native,
            "fee": float(net.gas_fee),
            "timestamp": 1767225600000,
        }

    async def balances(self, request: web.Request) -> Any:
        chain = request.match_info["chain"]
        body = self._params(request, (f("network"), f("address"), f("tokens", "array")))
        net = self._net(chain, body.get("network"))
        wallet = self._wallet(chain, body.get("address"))
        held = self.world.balances.get((net.chain_network, wallet), {})
        result: dict[str, float] = {net.native: float(held.get(net.native, Decimal(0)))}
        requested = body.get("tokens")
        if requested:
            for item in requested:
                token = net.token(str(item))
                if token is not None:
                    result[token.symbol] = float(held.get(token.symbol, Decimal(0)))
        else:
            result.update({symbol: float(amount) for symbol, amount in held.items() if amount != 0})
        return {"balances": result}

    async def poll(self, request: web.Request) -> Any:
        chain = request.match_info["chain"]
        body = self._params(request, (f("network"), f("signature", required=True)))
        net = self._net(chain, body.get("network"))
        signature = body["signature"]
        tx = self.world.transactions.get(signature)
        if tx is not None:
            self.world.poll(tx)
        reply: dict[str, Any] = {"currentBlock": net.block, "signature": signature, "fee": None, "txData": None}
        if tx is None or (tx.status == 0 and tx.fate == "lost"):
            lost_status = -1 if chain == "ethereum" else 0  # the node does not know it / not found yet
            reply.update({"txBlock": -1 if chain == "ethereum" else None, "txStatus": lost_status})
            return reply
        if tx.status == 0:
            pending = 2 if chain == "ethereum" else 0  # Ethereum: in the mempool with a fair gas price
            reply.update({"txBlock": -1 if chain == "ethereum" else None, "txStatus": pending})
            return reply
        reply.update({"txBlock": tx.block, "txStatus": tx.status})
        if chain == "solana":
            reply["fee"] = float(tx.fee)
            reply["txData"] = {"slot": tx.block, "meta": {"err": None if tx.status == 1 else {"InstructionError": 0}}}
        else:
            reply["txData"] = {"hash": signature, "gasLimit": "250000", "gasPrice": "21000000000", "value": "0"}
        return reply

    def _spender(self, spender: str) -> str:
        if "/" in spender or spender == "uniswap":
            connector = spender if "/" in spender else "uniswap/router"
            if connector not in self.world.spenders:
                raise GatewayHttpError(400, f"Invalid spender: {spender}")
            return self.world.spenders[connector]
        if not spender.startswith("0x"):
            raise GatewayHttpError(400, f"Invalid spender: {spender}")
        return spender

    async def allowances(self, request: web.Request) -> Any:
        body = self._params(
            request, (f("network"), f("address"), f("spender", required=True), f("tokens", "array", required=True))
        )
        net = self._net("ethereum", body.get("network"))
        wallet = self._wallet("ethereum", body.get("address"))
        spender = self._spender(body["spender"])
        approvals = {}
        for item in body["tokens"]:
            token = self._token(net, str(item))
            approvals[token.symbol] = str(self.world.allowances.get((net.chain_network, wallet, token.symbol), 0))
        return {"spender": spender, "approvals": approvals}

    async def approve(self, request: web.Request) -> Any:
        body = self._params(
            request,
            (
                f("network"),
                f("address"),
                f("spender", required=True),
                f("token", required=True),
                f("amount", default=""),
            ),
        )
        net = self._net("ethereum", body.get("network"))
        wallet = self._wallet("ethereum", body.get("address"))
        spender = self._spender(body["spender"])
        token = self._token(net, body["token"])
        amount = Decimal(body["amount"]) if body["amount"] else MAX_UINT256

        def grant() -> None:
            self.world.allowances[(net.chain_network, wallet, token.symbol)] = amount

        plan = self.world.next_plan()
        tx = self.world.submit(net, wallet, "approve", {}, plan, on_confirm=grant)
        data = {"tokenAddress": token.address, "spender": spender, "amount": str(amount), "nonce": 43}
        data["fee"] = str(tx.fee)
        return self._tx_reply(tx, plan, data)

    # ---- tokens, wallets, pools ---------------------------------------------------------------------------------

    async def tokens(self, request: web.Request) -> Any:
        query = self._params(request, (f("chain"), f("network"), f("search")))
        if not query.get("chain") or not query.get("network"):
            return {"tokens": []}
        net = self._net(query["chain"], query["network"])
        search = (query.get("search") or "").lower()
        found = [t for t in net.tokens.values() if search in t.symbol.lower() or search in t.name.lower()]
        return {"tokens": [token.as_json(net.chain_id) for token in found]}

    async def token(self, request: web.Request) -> Any:
        query = self._params(request, (f("chain", required=True), f("network", required=True)))
        net = self._net(query["chain"], query["network"])
        token = net.token(request.match_info["symbol"])
        if token is None:
            raise GatewayHttpError(404, f"Token {request.match_info['symbol']} not found")
        return {"token": token.as_json(net.chain_id), "chain": net.chain, "network": net.network}

    async def wallets(self, request: web.Request) -> Any:
        return [{"chain": chain, "walletAddresses": [wallet]} for chain, wallet in self.world.default_wallet.items()]

    async def pool(self, request: web.Request) -> Any:
        query = self._params(
            request,
            (
                f("connector", required=True),
                f("network", default="mainnet-beta"),
                f("type", required=True, enum=("amm", "clmm")),
            ),
        )
        base, _, quote = request.match_info["pair"].partition("-")
        pool = self.world.find_pool(query["connector"], query["type"], query["network"], base, quote)
        if pool is None:
            raise GatewayHttpError(404, f"Pool for {base}-{quote} not found")
        net = next(n for n in self.world.networks.values() if n.network == pool.network)
        return pool.as_json(net)

    # ---- swaps --------------------------------------------------------------------------------------------------

    def _quote(self, params: dict[str, Any]) -> tuple[Network, dict[str, Any], Pool | None]:
        chain, _, network = str(params["chainNetwork"]).partition("-")
        net = self._net(chain, network)
        provider = params.get("connector") or net.swap_provider
        dex, _, kind = str(provider).partition("/")
        entry = next((c for c in self.world.connectors if c["name"] == dex and c["chain"] == chain), None)
        if entry is None or kind not in entry["trading_types"]:
            raise GatewayHttpError(400, f"Unsupported swap provider: {provider}")
        base, quote = self._token(net, params["baseToken"]), self._token(net, params["quoteToken"])
        pool = None
        if kind in ("amm", "clmm"):
            pool = self.world.find_pool(dex, kind, net.network, base.symbol, quote.symbol)
            if pool is None:
                raise GatewayHttpError(404, f"No {kind.upper()} pool found for {base.symbol}-{quote.symbol}")
        price = self.world.price(net, base.symbol, quote.symbol)
        if price is None:
            raise GatewayHttpError(404, f"No route found for {base.symbol} -> {quote.symbol}")
        amount = Decimal(str(params["amount"]))
        slip = Decimal(str(params.get("slippagePct") if params.get("slippagePct") is not None else 1)) / 100
        if params["side"] == "SELL":
            token_in, token_out, amount_in, amount_out = base, quote, amount, amount * price
        else:
            token_in, token_out, amount_in, amount_out = quote, base, amount * price, amount
        reply: dict[str, Any] = {
            "tokenIn": token_in.address,
            "tokenOut": token_out.address,
            "amountIn": _num(amount_in, token_in.decimals),
            "amountOut": _num(amount_out, token_out.decimals),
            "price": float(price),
            "priceImpactPct": 0.01,
            "minAmountOut": _num(amount_out * (1 - slip) if params["side"] == "SELL" else amount_out),
            "maxAmountIn": _num(amount_in * (1 + slip) if params["side"] == "BUY" else amount_in),
            "slippagePct": float(slip * 100),
        }
        if pool is not None:
            reply["poolAddress"] = pool.address
        reply["_in"], reply["_out"] = token_in, token_out
        return net, reply, pool

    async def quote_swap(self, request: web.Request) -> Any:
        _, reply, _ = self._quote(self._params(request, SWAP_QUERY))
        return {key: value for key, value in reply.items() if not key.startswith("_")}

    async def execute_swap(self, request: web.Request) -> Any:
        default_wallet = self.world.default_wallet.get("solana") or self.world.default_wallet.get("ethereum")
        params = self._params(request, (*SWAP_QUERY, f("walletAddress", default=default_wallet)))
        net, quote, _ = self._quote(params)
        wallet = str(params["walletAddress"])
        token_in, token_out = quote["_in"], quote["_out"]
        amount_in, amount_out = Decimal(str(quote["amountIn"])), Decimal(str(quote["amountOut"]))
        if self.world.balance(net, wallet, token_in.symbol) < amount_in:
            raise GatewayHttpError(400, f"Insufficient {token_in.symbol} balance to swap")  # reconstructed
        if net.chain == "ethereum" and token_in.symbol != net.native:
            allowed = self.world.allowances.get((net.chain_network, wallet, token_in.symbol), Decimal(0))
            if allowed < amount_in:
                raise GatewayHttpError(400, f"Insufficient allowance for {token_in.symbol}; approve it first")
        plan = self.world.next_plan()
        deltas = {token_in.symbol: -amount_in, token_out.symbol: amount_out}
        tx = self.world.submit(net, wallet, "swap", deltas, plan)
        if net.chain == "solana":  # realised wallet deltas: a native leg includes the fee
            amount_in += tx.fee if token_in.symbol == net.native else 0
            amount_out -= tx.fee if token_out.symbol == net.native else 0
        base = self._token(net, params["baseToken"]).symbol
        moves = tx.deltas
        data = {
            "tokenIn": token_in.address,
            "tokenOut": token_out.address,
            "amountIn": float(amount_in),
            "amountOut": float(amount_out),
            "fee": float(tx.fee),
            "baseTokenBalanceChange": float(moves.get(base, Decimal(0))),
            "quoteTokenBalanceChange": float(moves.get(self._token(net, params["quoteToken"]).symbol, Decimal(0))),
        }
        return self._tx_reply(tx, plan, data)

    # ---- liquidity ----------------------------------------------------------------------------------------------

    def _lp_pool(self, request: web.Request, address: str) -> tuple[Network, Pool]:
        dex, kind = request.match_info["dex"], request.match_info["type"]
        pool = next(
            (p for p in self.world.pools if p.address == address and (p.connector, p.type) == (dex, kind)), None
        )
        if pool is None:
            raise GatewayHttpError(404, f"Pool {address} not found")
        net = next(n for n in self.world.networks.values() if n.network == pool.network)
        return net, pool

    async def pool_info(self, request: web.Request) -> Any:
        query = self._params(request, (f("network"), f("poolAddress", required=True)))
        net, pool = self._lp_pool(request, query["poolAddress"])
        price = self.world.price(net, pool.base, pool.quote) or Decimal(0)
        info = {
            "address": pool.address,
            "baseTokenAddress": net.tokens[pool.base].address,
            "quoteTokenAddress": net.tokens[pool.quote].address,
            "feePct": float(pool.fee_pct),
            "price": float(price),
            "baseTokenAmount": 1000.0,
            "quoteTokenAmount": float(price * 1000),
        }
        if pool.type == "clmm":
            info.update({"activeBinId": 0, "binStep": 10})
        return info

    async def position_info(self, request: web.Request) -> Any:
        query = self._params(request, (f("network"), f("positionAddress"), f("poolAddress"), f("walletAddress")))
        key = query.get("positionAddress") or f"{query.get('poolAddress')}:{query.get('walletAddress')}"
        position = self.world.positions.get(str(key))
        if position is None:
            raise GatewayHttpError(404, f"Position {key} not found")
        return position

    async def positions_owned(self, request: web.Request) -> Any:
        query = self._params(request, (f("network"), f("walletAddress", required=True)))
        wallet = query["walletAddress"]
        return [p for p in self.world.positions.values() if p.get("walletAddress") == wallet and "address" in p]

    async def lp_transaction(self, request: web.Request) -> Any:
        route, kind = request.match_info["route"], request.match_info["type"]
        body = self._params(
            request,
            (
                f("network"),
                f("walletAddress"),
                f("poolAddress"),
                f("positionAddress"),
                f("baseTokenAmount", "number"),
                f("quoteTokenAmount", "number"),
                f("lowerPrice", "number"),
                f("upperPrice", "number"),
                f("percentageToRemove", "number"),
            ),
        )
        positions = self.world.positions
        if route in ("open-position", "add-liquidity") and body.get("poolAddress") is None and kind == "amm":
            raise GatewayHttpError(400, "body must have required property 'poolAddress'", error="Validation Error")
        if route in ("open-position", "add-liquidity"):
            address = body.get("poolAddress") or positions.get(str(body.get("positionAddress")), {}).get("poolAddress")
            net, pool = self._lp_pool(request, str(address))
            wallet = self._wallet(net.chain, body.get("walletAddress"))
            base_amount = Decimal(str(body.get("baseTokenAmount") or 0))
            quote_amount = Decimal(str(body.get("quoteTokenAmount") or 0))
            key = (
                "pos" + hashlib.sha256(f"{address}{wallet}{len(positions)}".encode()).hexdigest()[:40]
                if route == "open-position"
                else str(body.get("positionAddress") or f"{pool.address}:{wallet}")
            )
            deltas = {pool.base: -base_amount, pool.quote: -quote_amount}

            def add() -> None:
                held = positions.setdefault(
                    key,
                    {"poolAddress": pool.address, "walletAddress": wallet, "baseTokenAmount": 0, "quoteTokenAmount": 0},
                )
                if route == "open-position":
                    held.update(
                        {
                            "address": key,
                            "lowerPrice": body.get("lowerPrice"),
                            "upperPrice": body.get("upperPrice"),
                            "baseFeeAmount": 0.0,
                            "quoteFeeAmount": 0.0,
                        }
                    )
                held["baseTokenAmount"] = float(Decimal(str(held["baseTokenAmount"])) + base_amount)
                held["quoteTokenAmount"] = float(Decimal(str(held["quoteTokenAmount"])) + quote_amount)

            data: dict[str, Any] = {
                "baseTokenAmountAdded": float(base_amount),
                "quoteTokenAmountAdded": float(quote_amount),
            }
            if route == "open-position":
                data.update({"positionAddress": key, "positionRent": 0.0})
        else:
            key = str(body.get("positionAddress") or f"{body.get('poolAddress')}:{body.get('walletAddress')}")
            if key not in positions:
                raise GatewayHttpError(404, f"Position {key} not found")
            held = positions[key]
            net, pool = self._lp_pool(request, str(held["poolAddress"]))
            wallet = str(held["walletAddress"])
            base_fee = Decimal(str(held.get("baseFeeAmount") or 0))
            quote_fee = Decimal(str(held.get("quoteFeeAmount") or 0))
            if route == "collect-fees":  # the earned fees go to the wallet; the liquidity stays
                deltas = {pool.base: base_fee, pool.quote: quote_fee}

                def add() -> None:
                    held.update({"baseFeeAmount": 0.0, "quoteFeeAmount": 0.0})

                data = {"baseFeeAmountCollected": float(base_fee), "quoteFeeAmountCollected": float(quote_fee)}
            else:
                share = (
                    Decimal(100) if route == "close-position" else Decimal(str(body.get("percentageToRemove") or 100))
                )
                base_amount = Decimal(str(held["baseTokenAmount"])) * share / 100
                quote_amount = Decimal(str(held["quoteTokenAmount"])) * share / 100
                closing = route == "close-position"  # a close collects the fees too
                deltas = {
                    pool.base: base_amount + (base_fee if closing else 0),
                    pool.quote: quote_amount + (quote_fee if closing else 0),
                }

                def add() -> None:
                    if share >= 100:
                        positions.pop(key, None)
                    else:
                        held["baseTokenAmount"] = float(Decimal(str(held["baseTokenAmount"])) - base_amount)
                        held["quoteTokenAmount"] = float(Decimal(str(held["quoteTokenAmount"])) - quote_amount)

                data = {"baseTokenAmountRemoved": float(base_amount), "quoteTokenAmountRemoved": float(quote_amount)}
                if closing:
                    data.update(
                        {"baseFeeAmountCollected": float(base_fee), "quoteFeeAmountCollected": float(quote_fee)}
                    )
        plan = self.world.next_plan()
        tx = self.world.submit(net, wallet, "lp", deltas, plan, on_confirm=add)
        data["fee"] = float(tx.fee)
        return self._tx_reply(tx, plan, data)


def install(app: web.Application, gateway: LoopbackGateway) -> None:
    """Register every route on ``app``."""
    r = Routes(gateway)
    table: list[tuple[str, str, Handler]] = [
        ("GET", "/", r.root),
        ("GET", "/config", r.config),
        ("GET", "/config/chains", r.chains),
        ("GET", "/config/connectors", r.connectors),
        ("GET", "/config/namespaces", r.namespaces),
        ("GET", "/chains/{chain}/status", r.status),
        ("GET", "/chains/{chain}/estimate-gas", r.estimate_gas),
        ("POST", "/chains/{chain}/balances", r.balances),
        ("POST", "/chains/{chain}/poll", r.poll),
        ("POST", "/chains/ethereum/allowances", r.allowances),
        ("POST", "/chains/ethereum/approve", r.approve),
        ("GET", "/tokens", r.tokens),
        ("GET", "/tokens/{symbol}", r.token),
        ("GET", "/wallet", r.wallets),
        ("GET", "/pools/{pair}", r.pool),
        ("GET", "/trading/swap/quote", r.quote_swap),
        ("POST", "/trading/swap/execute", r.execute_swap),
        ("GET", "/connectors/{dex}/{type}/pool-info", r.pool_info),
        ("GET", "/connectors/{dex}/{type}/position-info", r.position_info),
        ("GET", "/connectors/{dex}/{type}/positions-owned", r.positions_owned),
        (
            "POST",
            "/connectors/{dex}/{type}/{route:open-position|close-position|add-liquidity|remove-liquidity|collect-fees}",
            r.lp_transaction,
        ),
    ]
    for method, path, handler in table:
        app.router.add_route(method, path, handler)
