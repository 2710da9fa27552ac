"""Websocket routing beyond one field and exact values, proved through complete generated packages.

Two specs derived from specs/kraken.yaml:

* routed on two fields (issue 11: routing on more than one field): ``route_by: [channel, type]`` on both sockets,
  every channel and event matched by ``[channel, type]`` pairs. Before, the private side read only the first field
  and compared it with the pairs, so no private event was ever applied (9 generated tests failed); and the generated
  snapshot/update test broke the update example's ``type``, which then routed nowhere.
* a private event matched by prefix (``match: "exec*"``, as the guide says a value ending in ``*`` matches): before,
  the private side compared the route with the literal ``exec*`` and dropped every execution.

Each generated suite runs green, with a focused test pinning what routes where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hbgen.generator import generate
from hbgen.spec import check_text
from tests.generator.test_generate_login_styles import passed_tests, run_with_focused_test

ROOT = Path(__file__).resolve().parents[2]
KRAKEN = (ROOT / "specs" / "kraken.yaml").read_text(encoding="utf-8")


def _generate(root: Path, data: dict[str, Any]) -> Path:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    spec_path = root / "specs" / "kraken.yaml"
    spec_path.parent.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(text, encoding="utf-8")
    model, diagnostics = check_text(text, "specs/kraken.yaml")
    assert model is not None and diagnostics == [], diagnostics
    generate(model, spec_path, text, root / "out" / "kraken")
    return root / "out" / "kraken"


def two_field_spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(KRAKEN)
    public, private = data["ws"]["public"], data["ws"]["private"]
    public["route_by"] = private["route_by"] = ["channel", "type"]
    for name, channel in public["channels"].items():
        channel["match"] = [[name, "snapshot"], [name, "update"]]
    for name, event in private["events"].items():
        event["match"] = [[name, "snapshot"], [name, "update"]]
    return data


def prefix_spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(KRAKEN)
    data["ws"]["private"]["events"]["executions"]["match"] = "exec*"
    return data


PREAMBLE = r"""
import asyncio
import unittest
from decimal import Decimal

from hbrt.time_synchronizer import TimeSynchronizer

from kraken import kraken_web_utils as web_utils
from kraken.kraken_api_order_book_data_source import KrakenAPIOrderBookDataSource
from kraken.kraken_exchange import KrakenExchange

SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="


def balances(kind):
    item = {"asset": "COINALPHA", "balance": 15, "ledger_id": "L1", "type": "trade"}
    return {"channel": "balances", "type": kind, "data": [item]}


def executions(kind):
    item = {"order_id": "EOID1", "exec_type": "new", "order_status": "new", "timestamp": "2023-09-22T10:33:05.70995Z"}
    return {"channel": kind, "type": "update", "data": [item]}


class Routing(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.exchange = KrakenExchange("key", SECRET, trading_pairs=["COINALPHA-HBOT"])
        self.factory = web_utils.build_api_factory(time_synchronizer=TimeSynchronizer())
        self.source = KrakenAPIOrderBookDataSource(["COINALPHA-HBOT"], self.exchange, self.factory)

    async def asyncTearDown(self):
        await self.factory.close()
        await self.exchange._web_assistants_factory.close()
"""

TWO_FIELDS = (
    PREAMBLE
    + r"""
    async def test_public_messages_route_on_both_fields(self):
        route = self.source._channel_originating_message
        self.assertEqual("order_book_snapshot", route({"channel": "book", "type": "snapshot", "data": []}))
        self.assertEqual("order_book_diff", route({"channel": "book", "type": "update", "data": []}))
        self.assertEqual("trade", route({"channel": "trade", "type": "update", "data": []}))
        self.assertIsNone(route({"channel": "book", "type": "checkpoint", "data": []}), "one field is not enough")
        self.assertIsNone(route({"channel": "book", "data": []}), "a missing field routes nowhere")
        self.assertIsNone(route({"channel": "heartbeat"}))

    async def test_private_events_route_on_both_fields(self):
        await self.exchange._process_user_stream_event(balances("snapshot"))
        self.assertEqual(Decimal(15), self.exchange.get_balance("COINALPHA"))
        await self.exchange._process_user_stream_event(balances("update") | {"data": [{"asset": "HBOT", "balance": 7}]})
        self.assertEqual(Decimal(7), self.exchange.get_balance("HBOT"))
        other = {"data": [{"asset": "X", "balance": 1}]}
        await self.exchange._process_user_stream_event(balances("checkpoint") | other)
        await self.exchange._process_user_stream_event({"channel": "heartbeat"})
        self.assertNotIn("X", self.exchange.get_all_balances())
"""
)

PREFIX = (
    PREAMBLE
    + r"""
    async def test_a_private_event_matches_by_prefix(self):
        applied = []
        self.exchange._apply_order_update = applied.append
        await self.exchange._process_user_stream_event(executions("executions"))
        await self.exchange._process_user_stream_event(executions("executions_v2"))
        self.assertEqual(["EOID1", "EOID1"], [record.exchange_order_id for record in applied])
        await self.exchange._process_user_stream_event(executions("orders"))
        self.assertEqual(2, len(applied), "no prefix, no event")
        await self.exchange._process_user_stream_event(balances("update"))
        self.assertEqual(Decimal(15), self.exchange.get_balance("COINALPHA"), "an exact match still routes")
"""
)


@pytest.mark.parametrize(
    ("name", "spec", "focused", "focused_tests"),
    [
        (
            "two_fields",
            two_field_spec,
            TWO_FIELDS,
            ["test_public_messages_route_on_both_fields", "test_private_events_route_on_both_fields"],
        ),
        ("prefix", prefix_spec, PREFIX, ["test_a_private_event_matches_by_prefix"]),
    ],
)
def test_the_derived_package_routes_and_passes_its_suite(
    tmp_path: Path, name: str, spec: Any, focused: str, focused_tests: list[str]
) -> None:
    package = _generate(tmp_path, spec())
    run = run_with_focused_test(package, f"test_focused_{name}.py", focused)
    assert run.failed == run.errors == 0, run.output[-6000:]
    passed = passed_tests(run)
    for test in [*focused_tests, "test_user_stream_balance_update", "test_user_stream_update_for_new_order"]:
        assert test in passed, test


def test_the_prefix_condition_yields_to_exact_values() -> None:
    data = prefix_spec()
    data["ws"]["private"]["events"]["balances"]["match"] = ["balances", "execution_summary"]
    model, diagnostics = check_text(yaml.safe_dump(data, sort_keys=False), "specs/kraken.yaml")
    assert model is not None and diagnostics == [], diagnostics
    from hbgen.generator import TEMPLATE_DIR, shared_context
    from hbgen.render import make_environment

    source = (
        make_environment(TEMPLATE_DIR).get_template("spot/exchange.py.j2").render(spec=model, ctx=shared_context(model))
    )
    assert (
        'if (isinstance(route, str) and route.startswith(("exec",)) and route not in ("balances", '
        '"execution_summary",)):' in source
    )
    assert 'elif route in ("balances", "execution_summary",):' in source
