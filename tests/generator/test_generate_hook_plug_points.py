"""The referenced plug points mapping.parse, auth.sign and order_book.checksum call their hooks.

A spec derived from specs/binance.yaml hooks the balances mapping, both signing recipes and the order book checksum.
While the hooks are the generated stubs, every generated caller reaches the stub (which raises NotImplementedError
naming the hook) and the generated hook tests fail. With real hook bodies written into the hand-owned module, the
generated parser, signer and book integrity policy return or use exactly what the hooks produce.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import hmac
import importlib
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from hbgen.generator import TEMPLATE_DIR, generate
from hbgen.render import make_environment
from hbgen.spec import check_text
from hbgen.spec.includes import flattened

ROOT = Path(__file__).resolve().parents[2]
HOOK_NAMES = ("binance_balances", "binance_sign_rest", "binance_sign_ws_api", "binance_book_checksum")
LEVELS = 3


def hooked_spec_text() -> str:
    doc = flattened(ROOT / "specs" / "binance.yaml")
    doc["mappings"]["balances"] = {"kind": "balance", "hook": "binance_balances"}
    doc["auth"]["recipes"]["rest"]["hook"] = "binance_sign_rest"
    doc["auth"]["recipes"]["ws_api"]["hook"] = "binance_sign_ws_api"
    doc["mappings"]["order_book_diff"]["fields"]["checksum"] = {"path": "cs", "optional": True}
    doc["order_book"]["integrity"] = {
        "policy": "checksum",
        "checksum": {"levels": LEVELS, "hook": "binance_book_checksum"},
    }
    doc["hooks"] = {
        "binance_balances": {"at": "mapping.parse", "description": "Balances keyed by asset, as [free, locked]."},
        "binance_sign_rest": {"at": "auth.sign", "description": "HMAC of method, path and query, placed as sig."},
        "binance_sign_ws_api": {"at": "auth.sign", "description": "HMAC of the sorted params."},
        "binance_book_checksum": {"at": "order_book.checksum", "description": "CRC32 of the top levels."},
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _generate(root: Path) -> Path:
    """Generate the hooked package into ``root/out/binance``; returns ``root/out`` (the import root)."""
    text = hooked_spec_text()
    (root / "specs").mkdir(parents=True)
    spec = root / "specs" / "binance.yaml"
    spec.write_text(text, encoding="utf-8")
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert model is not None, [str(d) for d in diagnostics]
    report = generate(model, spec, text, root / "out" / "binance")
    assert sorted(report.hand_owned_created) == [
        ".copier-answers.yml",
        "NOTES.md",
        "binance_hooks.py",
        "tests/test_binance_hooks.py",
    ]
    return root / "out"


@contextmanager
def _imported(parent: Path) -> Iterator[None]:
    """Import ``binance`` from ``parent`` (not generated/), restoring sys.modules and sys.path afterwards."""

    def ours() -> list[str]:
        return [name for name in sys.modules if name == "binance" or name.startswith("binance.")]

    saved = {name: sys.modules.pop(name) for name in ours()}
    sys.path.insert(0, str(parent))
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path.remove(str(parent))
        for name in ours():
            del sys.modules[name]
        sys.modules.update(saved)


def _run_hook_tests(parent: Path) -> subprocess.CompletedProcess[str]:
    test = parent / "binance" / "tests" / "test_binance_hooks.py"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib", str(test)],
        env={**os.environ, "PYTHONPATH": str(parent)},
        capture_output=True,
        text=True,
        check=False,
    )


def _auth(module: Any) -> Any:
    from hbrt.time_synchronizer import TimeSynchronizer

    return module.BinanceAuth(api_key="the-key", secret_key="the-secret", time_provider=TimeSynchronizer())


def _book(order_book_module: Any) -> Any:
    """A book after a snapshot of two bid levels and one ask level."""
    snapshot = order_book_module.BinanceOrderBook.snapshot_message_from_exchange(
        {"lastUpdateId": 10, "bids": [["0.0024", "10"], ["0.0023", "5"]], "asks": [["0.0026", "100"]]},
        1.0,
        metadata={"trading_pair": "COINALPHA-HBOT"},
    )
    book = order_book_module.BinanceOrderBook()
    book.apply_snapshot(snapshot.raw_bids, snapshot.raw_asks, snapshot.update_id)
    return book


def _diff(order_book_module: Any, checksum: int) -> Any:
    payload = {"e": "depthUpdate", "E": 2000, "s": "COINALPHAHBOT", "U": 11, "u": 11, "b": [["0.0025", "7"]], "a": []}
    payload["cs"] = checksum
    return order_book_module.BinanceOrderBook.diff_message_from_exchange(payload, metadata={"trading_pair": "X-Y"})


# ------------------------------------------------------------------------------------------------- the stubs


@pytest.fixture(scope="module")
def stub_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("hook-stubs"))


def test_stubs_are_typed_with_the_contract(stub_package: Path) -> None:
    source = (stub_package / "binance" / "binance_hooks.py").read_text(encoding="utf-8")
    functions = {n.name: n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    signatures = {
        name: (ast.unparse(f.args), ast.unparse(f.returns) if f.returns else None) for name, f in functions.items()
    }
    assert signatures == {
        "binance_balances": ("message: Any", "list[BalancesRecord]"),
        "binance_sign_rest": ("auth: BinanceAuth, request: SigningRequest", "dict[str, Any]"),
        "binance_sign_ws_api": ("auth: BinanceAuth, request: SigningRequest", "dict[str, Any]"),
        "binance_book_checksum": ("order_book: OrderBook, context: ChecksumContext", "int"),
    }
    assert "from binance.binance_parsers import BalancesRecord" in source
    checksum_doc = ast.get_docstring(functions["binance_book_checksum"]) or ""
    assert f"order_book.raw_top_levels({LEVELS})" in checksum_doc
    balances_doc = " ".join((ast.get_docstring(functions["binance_balances"]) or "").split())
    assert "parse_balances() returns your list as it is" in balances_doc
    assert "keyword arguments: asset, available, total" in balances_doc
    rest_doc = " ".join((ast.get_docstring(functions["binance_sign_rest"]) or "").split())
    assert "sign_rest() and rest_authenticate()" in rest_doc
    ws_doc = " ".join((ast.get_docstring(functions["binance_sign_ws_api"]) or "").split())
    assert "made by sign_ws_api():" in ws_doc and "rest_authenticate() sends" not in ws_doc


def test_generated_modules_call_the_stubs(stub_package: Path) -> None:
    from hbrt.web_assistant.connections.data_types import RESTMethod, RESTRequest

    with _imported(stub_package):
        from binance import binance_api_order_book_data_source as data_source
        from binance import binance_auth, binance_order_book, binance_parsers

        with pytest.raises(NotImplementedError, match="hook binance_balances is not written yet"):
            binance_parsers.parse_balances({"balances": []})
        auth = _auth(binance_auth)
        with pytest.raises(NotImplementedError, match="hook binance_sign_ws_api is not written yet"):
            auth.sign_ws_api({"symbol": "COINALPHAHBOT"})
        request = RESTRequest(method=RESTMethod.GET, url="https://api.binance.com/api/v3/account")
        with pytest.raises(NotImplementedError, match="hook binance_sign_rest is not written yet"):
            asyncio.run(auth.rest_authenticate(request))
        policy = data_source.BinanceAPIOrderBookDataSource.BOOK_INTEGRITY
        with pytest.raises(NotImplementedError, match="hook binance_book_checksum is not written yet"):
            policy.verify(_book(binance_order_book), _diff(binance_order_book, 1))


def test_generated_hook_tests_fail_while_the_stubs_are_unwritten(stub_package: Path) -> None:
    result = _run_hook_tests(stub_package)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "4 failed" in result.stdout
    for name in HOOK_NAMES:
        assert f"write hook {name} in binance_hooks.py" in result.stdout


# ------------------------------------------------------------------------------------------ written hooks

WRITTEN_HOOKS = """
from __future__ import annotations

import hashlib
import hmac
import zlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from hbrt.data_type.book_checksum import ChecksumContext
from hbrt.data_type.order_book import OrderBook

from binance.binance_parsers import BalancesRecord

if TYPE_CHECKING:
    from binance.binance_auth import BinanceAuth, SigningRequest

CALLS: list[str] = []
CONTEXTS: list[ChecksumContext] = []


def binance_balances(message: Any) -> list[BalancesRecord]:
    CALLS.append("binance_balances")
    return [
        BalancesRecord(asset=asset, available=Decimal(free), total=Decimal(free) + Decimal(locked))
        for asset, (free, locked) in message["wallet"].items()
    ]


def _hmac(auth: BinanceAuth, text: str) -> str:
    return hmac.new(auth._secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def binance_sign_rest(auth: BinanceAuth, request: SigningRequest) -> dict[str, Any]:
    CALLS.append("binance_sign_rest")
    signature = _hmac(auth, request.method + request.path + urlencode(request.query) + request.body)
    request.headers["X-HOOK-KEY"] = auth.api_key
    request.params_target("sig")["sig"] = signature
    return {"api_key": auth.api_key, "signature": signature, "signed_params": request.all_params()}


def binance_sign_ws_api(auth: BinanceAuth, request: SigningRequest) -> dict[str, Any]:
    CALLS.append("binance_sign_ws_api")
    params = {**request.query, "apiKey": auth.api_key}
    signature = _hmac(auth, "&".join(f"{k}={v}" for k, v in sorted(params.items())))
    return {"api_key": auth.api_key, "signature": signature, "signed_params": {**params, "signature": signature}}


def binance_book_checksum(order_book: OrderBook, context: ChecksumContext) -> int:
    CALLS.append("binance_book_checksum")
    CONTEXTS.append(context)
    bids, asks = order_book.raw_top_levels(3)
    return zlib.crc32(":".join(f"{row[0]}:{row[1]}" for row in [*bids, *asks]).encode())
"""


@pytest.fixture(scope="module")
def written_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = _generate(tmp_path_factory.mktemp("hooks-written"))
    (parent / "binance" / "binance_hooks.py").write_text(WRITTEN_HOOKS, encoding="utf-8")
    return parent


@pytest.fixture
def package(written_package: Path) -> Iterator[SimpleNamespace]:
    with _imported(written_package):
        from binance import binance_api_order_book_data_source as data_source
        from binance import binance_auth, binance_hooks, binance_order_book, binance_parsers, binance_web_utils

        binance_hooks.CALLS.clear()
        yield SimpleNamespace(
            hooks=binance_hooks,
            parsers=binance_parsers,
            auth=binance_auth,
            order_book=binance_order_book,
            data_source=data_source,
            web_utils=binance_web_utils,
        )


def _expected_hmac(text: str) -> str:
    return hmac.new(b"the-secret", text.encode(), hashlib.sha256).hexdigest()


def test_parse_returns_the_records_the_hook_built(package: SimpleNamespace) -> None:
    message = {"wallet": {"COINALPHA": ["10", "5"], "HBOT": ["0.5", "0"]}}
    records = package.parsers.parse_balances(message)
    assert records == [
        package.parsers.BalancesRecord(asset="COINALPHA", available=Decimal("10"), total=Decimal("15")),
        package.parsers.BalancesRecord(asset="HBOT", available=Decimal("0.5"), total=Decimal("0.5")),
    ]
    assert package.hooks.CALLS == ["binance_balances"]


def test_rest_authenticate_sends_the_hooks_placements(package: SimpleNamespace) -> None:
    from hbrt.web_assistant.connections.data_types import RESTMethod, RESTRequest

    auth = _auth(package.auth)
    request = RESTRequest(
        method=RESTMethod.GET, url="https://api.binance.com/api/v3/account", params={"omitZeroBalances": "true"}
    )
    signed = asyncio.run(auth.rest_authenticate(request))
    signature = _expected_hmac("GET/api/v3/accountomitZeroBalances=true")
    assert dict(signed.params or {}) == {"omitZeroBalances": "true", "sig": signature}
    assert dict(signed.headers or {}) == {"X-HOOK-KEY": "the-key"}
    assert package.hooks.CALLS == ["binance_sign_rest"]


def test_rest_authenticate_places_into_a_form_body_through_the_hook(package: SimpleNamespace) -> None:
    from hbrt.web_assistant.connections.data_types import RESTMethod, RESTRequest

    auth = _auth(package.auth)
    request = RESTRequest(
        method=RESTMethod.POST,
        url="https://api.binance.com/api/v3/order",
        data='{"symbol": "COINALPHAHBOT"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    signed = asyncio.run(auth.rest_authenticate(request))
    signature = _expected_hmac("POST/api/v3/ordersymbol=COINALPHAHBOT")
    assert signed.data == f"symbol=COINALPHAHBOT&sig={signature}"
    assert signed.params is None


def test_sign_recipe_returns_the_hooks_login_values(package: SimpleNamespace) -> None:
    values = _auth(package.auth).sign_ws_api({"timestamp": "1700000000000"})
    signature = _expected_hmac("apiKey=the-key&timestamp=1700000000000")
    assert values == {
        "api_key": "the-key",
        "signature": signature,
        "signed_params": {"timestamp": "1700000000000", "apiKey": "the-key", "signature": signature},
    }
    assert package.hooks.CALLS == ["binance_sign_ws_api"]


def test_book_integrity_checks_the_message_checksum_with_the_hook(package: SimpleNamespace) -> None:
    from hbrt.data_type.book_integrity import Checksum

    policy = package.data_source.BinanceAPIOrderBookDataSource.BOOK_INTEGRITY
    assert isinstance(policy, Checksum)
    assert policy.top_levels == LEVELS
    assert policy.fn is package.hooks.binance_book_checksum
    book = _book(package.order_book)
    after = "0.0025:7:0.0024:10:0.0023:5:0.0026:100"  # the top three bids and the ask once the diff is applied
    good = _diff(package.order_book, zlib.crc32(after.encode()))
    assert good.checksum == zlib.crc32(after.encode())  # the mapping's checksum field reaches the message
    book.apply_diffs(good.raw_bids, good.raw_asks, good.update_id)
    assert policy.verify(book, good)
    assert not policy.verify(book, _diff(package.order_book, zlib.crc32(after.encode()) ^ 1))
    signed = _diff(package.order_book, zlib.crc32(after.encode()) - 2**32)  # a signed CRC32 (OKX) matches too
    assert policy.verify(book, signed)
    assert package.hooks.CALLS == ["binance_book_checksum"] * 3


def test_the_checksum_hook_receives_the_pair_and_its_precision(package: SimpleNamespace) -> None:
    """The data source gives every book message its pair's price and size decimals from the trading rule (None
    before the rules are known), and the hook receives them with the pair, for checksums over formatted numbers."""
    from hbrt.data_type.book_checksum import ChecksumContext
    from hbrt.data_type.trading_rule import TradingRule
    from hbrt.time_synchronizer import TimeSynchronizer

    class Connector:
        trading_rules = {
            "COINALPHA-HBOT": TradingRule(
                "COINALPHA-HBOT", min_price_increment=Decimal("0.0001"), min_base_amount_increment=Decimal("0.1")
            )
        }

        async def trading_pair_associated_to_exchange_symbol(self, symbol: str) -> str:
            return {"COINALPHAHBOT": "COINALPHA-HBOT", "ZRXETH": "ZRX-ETH"}[symbol]

    async def parse(symbol: str) -> Any:
        factory = package.web_utils.build_api_factory(time_synchronizer=TimeSynchronizer())
        source = package.data_source.BinanceAPIOrderBookDataSource(["COINALPHA-HBOT"], Connector(), factory)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        payload = {
            "e": "depthUpdate",
            "E": 2000,
            "s": symbol,
            "U": 11,
            "u": 11,
            "b": [["0.0025", "7"]],
            "a": [],
            "cs": 1,
        }
        await source._parse_order_book_diff_message(payload, queue)
        await factory.close()
        return queue.get_nowait()

    message = asyncio.run(parse("COINALPHAHBOT"))
    assert (message.content["price_decimals"], message.content["size_decimals"]) == (4, 1)
    book = _book(package.order_book)
    book.apply_diffs(message.raw_bids, message.raw_asks, message.update_id)
    package.hooks.CONTEXTS.clear()
    policy = package.data_source.BinanceAPIOrderBookDataSource.BOOK_INTEGRITY
    policy.verify(book, message)
    assert package.hooks.CONTEXTS == [ChecksumContext("COINALPHA-HBOT", 4, 1)]
    unknown = asyncio.run(parse("ZRXETH"))  # no trading rule yet: the precision is unknown
    assert (unknown.trading_pair, unknown.content["price_decimals"], unknown.content["size_decimals"]) == (
        "ZRX-ETH",
        None,
        None,
    )


def test_hooks_module_and_generated_modules_import_in_either_order(written_package: Path) -> None:
    for first in ("binance.binance_hooks", "binance.binance_parsers", "binance.binance_auth"):
        with _imported(written_package):
            importlib.import_module(first)
            importlib.import_module("binance.binance_exchange")
            importlib.import_module("binance.binance_api_order_book_data_source")


def test_generated_hook_tests_pass_once_the_hooks_are_written(written_package: Path) -> None:
    result = _run_hook_tests(written_package)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


def test_checksum_alongside_a_sequence_policy_keeps_the_sequence() -> None:
    doc = flattened(ROOT / "specs" / "binance.yaml")
    doc["order_book"]["integrity"]["checksum"] = {"levels": 25, "hook": "binance_book_checksum"}
    doc["mappings"]["order_book_diff"]["fields"]["checksum"] = {"path": "cs", "optional": True}
    doc["hooks"] = {"binance_book_checksum": {"at": "order_book.checksum", "description": "CRC32 of the top levels."}}
    model, diagnostics = check_text(yaml.safe_dump(doc, sort_keys=False), "specs/binance.yaml")
    assert model is not None, [str(d) for d in diagnostics]
    assert model.order_book.integrity_policy == "first_last_update_id"
    source = make_environment(TEMPLATE_DIR).get_template("spot/api_order_book_data_source.py.j2").render(spec=model)
    cls = next(n for n in ast.parse(source).body if isinstance(n, ast.ClassDef))
    value = next(
        n.value for n in cls.body if isinstance(n, ast.AnnAssign) and ast.unparse(n.target) == "BOOK_INTEGRITY"
    )
    assert ast.unparse(value) == "Checksum(25, hooks.binance_book_checksum, sequence=FirstLastUpdateIdChain())"
    assert "from binance import binance_hooks as hooks" in source
