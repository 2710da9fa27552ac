"""The listen_key and rest_token private-websocket login styles, proved through complete generated packages.

No committed spec uses them, so two specs are derived here from specs/binance.yaml, changing only ``ws.private``
and the REST endpoints (and their rate limits) the style needs:

* listen_key: Binance's legacy user data stream. ``POST /api/v3/userDataStream`` (API-key header, unsigned) returns
  ``{"listenKey": ...}``; ``PUT ...?listenKey=`` keeps it alive every 30 minutes, ``DELETE`` closes it; the stream
  is ``wss://stream.binance.com:9443/ws/<listenKey>`` and its events arrive unwrapped.
* rest_token: KuCoin's flow on an otherwise Binance-shaped spec. ``POST /api/v1/bullet-private`` (signed) returns
  ``{"code": "200000", "data": {"token": ..., "instanceServers": [{"endpoint": "wss://...", ...}]}}``; connect to
  ``<endpoint>?token=<token>&connectId=<uuid>``, drop the welcome and ack replies, subscribe to
  ``/spotMarket/tradeOrders``; events arrive in ``{"type": "message", ..., "data": {...}}``.

Each derived spec is generated into a temporary directory and its whole generated suite is run, together with a
focused test written here by hand against the generated data source (aioresponses for REST, the runtime's
``NetworkMockingAssistant`` for the websocket) that pins the exchange facts literally.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hbgen.generator import generate
from hbgen.spec import check_text
from hbgen.suite import TestRun, run_generated_tests

ROOT = Path(__file__).resolve().parents[2]
BINANCE = (ROOT / "specs" / "binance.yaml").read_text(encoding="utf-8")
MODULE = "binance_api_user_stream_data_source.py"
LISTEN_KEY = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"
TOKEN = "2neAiuYvAU61ZDXANAGAsiL4-iAExhsBXZxftpOeh_55i3Ysy2q2LEsEWU64mdzUOPusi34M_wGoSf7iNyEWJ1UQy47YbpY4zVdzilNP"


def _binance() -> dict[str, Any]:
    data = yaml.safe_load(BINANCE)
    assert isinstance(data, dict)
    return data


def _events_without_envelope(private: dict[str, Any]) -> None:
    for event in private["events"].values():
        event["example"] = event["example"]["event"]


def listen_key_spec() -> str:
    """Binance with its legacy listen-key user data stream instead of the WS API subscription."""
    data = _binance()
    data["rate_limits"]["/userDataStream"] = {
        "limit": 5000,
        "interval": 60,
        "linked": {"REQUEST_WEIGHT": 2, "RAW_REQUESTS": 1},
    }
    common = {"path": "/v3/userDataStream", "auth": "key", "limit_id": "/userDataStream"}
    data["endpoints"]["listen_key_create"] = {"method": "POST", **common, "example_response": {"listenKey": LISTEN_KEY}}
    data["endpoints"]["listen_key_keep_alive"] = {
        "method": "PUT",
        **common,
        "params_in": "query",
        "params": {"listenKey": "listen_key"},
        "example_response": {},
    }
    data["endpoints"]["listen_key_close"] = {
        "method": "DELETE",
        **common,
        "params": {"listenKey": "listen_key"},
        "example_response": {},
    }
    private = data["ws"]["private"]
    private["url"] = "stream"
    private["login"] = {
        "style": "listen_key",
        "create": "listen_key_create",
        "keep_alive": "listen_key_keep_alive",
        "close": "listen_key_close",
        "keep_alive_interval": 1800,
        "key_field": "listenKey",
        "url_template": "${url}/${listen_key}",
    }
    del private["ignore"], private["envelope"]  # no request replies on this stream, and no envelope
    private["terminated"] = [{"field": "e", "equals": "listenKeyExpired"}]
    _events_without_envelope(private)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def rest_token_spec() -> str:
    """Binance with KuCoin's REST-minted websocket token (the exchange assigns the URL) and subscription."""
    data = _binance()
    data["rate_limits"]["/bullet-private"] = {
        "limit": 5000,
        "interval": 60,
        "linked": {"REQUEST_WEIGHT": 10, "RAW_REQUESTS": 1},
    }
    server = {
        "endpoint": "wss://ws-api-spot.kucoin.com/",
        "encrypt": True,
        "protocol": "websocket",
        "pingInterval": 18000,
        "pingTimeout": 10000,
    }
    data["endpoints"]["ws_token"] = {
        "method": "POST",
        "path": "/v1/bullet-private",
        "auth": "signed",
        "limit_id": "/bullet-private",
        "example_response": {"code": "200000", "data": {"token": TOKEN, "instanceServers": [server]}},
    }
    # The public socket takes a token too (KuCoin's bullet-public), and both greet each connection first.
    data["endpoints"]["ws_token_public"] = {
        "method": "POST",
        "path": "/v1/bullet-public",
        "auth": "none",
        "limit_id": "/bullet-private",
        "envelope": "data",  # the reply's paths below are read inside data
        "example_response": {"code": "200000", "data": {"token": "public-" + TOKEN, "instanceServers": [server]}},
    }
    session = {
        "style": "rest_token",
        "token_field": "data.token",
        "url_field": "data.instanceServers[0].endpoint",
        "url_template": "${url}?token=${token}&connectId=${uuid}",
        "ping_interval_field": {"path": "data.instanceServers[0].pingInterval", "unit": "ms"},
        "token_lifetime": 86400,
    }
    welcome = [{"field": "type", "equals": "welcome"}]
    ping = {"interval": 30, "style": "json", "message": {"id": "${id}", "type": "ping"}, "pong": {"type": "pong"}}
    public = data["ws"]["public"]
    public["login"] = {
        **session,
        "endpoint": "ws_token_public",
        "token_field": "token",
        "url_field": "instanceServers[0].endpoint",
        "ping_interval_field": {"path": "instanceServers[0].pingInterval", "unit": "ms"},
    }
    public["ready"] = welcome
    public["heartbeat"] = ping
    private = data["ws"]["private"]
    private["login"] = {**session, "endpoint": "ws_token"}
    private["ready"] = welcome
    private["heartbeat"] = ping
    private["subscribe"] = {
        "message": {
            "id": "${id}",
            "type": "subscribe",
            "topic": "/spotMarket/tradeOrders",
            "privateChannel": True,
            "response": True,
        }
    }
    private["ignore"] = [{"field": "type", "in": ["ack", "pong"]}]
    private["envelope"] = "data"
    _events_without_envelope(private)
    for event in private["events"].values():
        inner = event["example"]
        event["example"] = {
            "type": "message",
            "topic": "/spotMarket/tradeOrders",
            "subject": inner["e"],
            "channelType": "private",
            "data": inner,
        }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# The focused tests run inside the generated package's environment (``binance`` importable); they are written
# here, not rendered, and state the exchange facts literally.
FOCUSED_PRELUDE = r'''
import asyncio
import re
import unittest
from typing import Any

from aioresponses import aioresponses
from hbrt.testing.network_mocking_assistant import NetworkMockingAssistant
from hbrt.time_synchronizer import TimeSynchronizer

from binance import binance_web_utils as web_utils
from binance.binance_api_user_stream_data_source import BinanceAPIUserStreamDataSource
from binance.binance_auth import BinanceAuth

EVENT = {"e": "executionReport", "s": "COINALPHAHBOT", "c": "OID1", "X": "NEW", "x": "NEW", "i": 100234}


def requests_by(mocked: aioresponses) -> dict[tuple[str, str], list[Any]]:
    """Sent requests keyed by method and URL without its query string."""
    found: dict[tuple[str, str], list[Any]] = {}
    for (method, url), calls in mocked.requests.items():
        found.setdefault((method, str(url).split("?")[0]), []).extend(calls)
    return found


class Harness(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        clock = TimeSynchronizer()
        clock.add_time_offset_ms_sample(0)
        self.auth = BinanceAuth(api_key="my-api-key", secret_key="my-secret", time_provider=clock)
        self.factory = web_utils.build_api_factory(time_synchronizer=clock, auth=self.auth)
        self.mocking = NetworkMockingAssistant()
        self.ws = self.mocking.configure_web_assistants_factory(self.factory)
        self.source = BinanceAPIUserStreamDataSource(
            auth=self.auth, trading_pairs=["COINALPHA-HBOT"], connector=None, api_factory=self.factory
        )
        self.waits: list[float] = []
        self.source._sleep = self.sleep
        self.queue: asyncio.Queue[Any] = asyncio.Queue()

    async def asyncTearDown(self) -> None:
        await self.source.stop()
        await self.factory.close()

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if seconds in (1800.0, 18.0) and self.waits.count(seconds) > 1:  # keep-alive, the server's ping interval
            await asyncio.Event().wait()
        await asyncio.sleep(0)

    async def run_until(self, mocked: aioresponses, method: str) -> None:
        task = asyncio.create_task(self.source.listen_for_user_stream(self.queue))
        try:
            self.assertEqual(EVENT, await asyncio.wait_for(self.queue.get(), 1))
            for _ in range(200):
                if any(sent == method for sent, _ in mocked.requests):
                    break
                await asyncio.sleep(0)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
'''

FOCUSED_LISTEN_KEY = (
    FOCUSED_PRELUDE
    + r"""

REST = "https://api.binance.com/api/v3/userDataStream"
KEY = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1"


class FocusedListenKeyLogin(Harness):
    async def test_binance_legacy_user_data_stream(self) -> None:
        self.mocking.add_websocket_json_message(self.ws, EVENT)
        with aioresponses() as mocked:
            mocked.post(REST, payload={"listenKey": KEY})
            mocked.put(re.compile("^" + re.escape(REST)), payload={}, repeat=True)
            mocked.delete(re.compile("^" + re.escape(REST)), payload={})
            await self.run_until(mocked, "PUT")
            sent = requests_by(mocked)
        self.assertEqual("wss://stream.binance.com:9443/ws/" + KEY, self.mocking.mock_ws_session.connect_calls[0].url)
        self.assertEqual([], self.mocking.json_messages_sent_through_websocket(self.ws), "nothing to log in with")
        (create,) = sent[("POST", REST)]
        self.assertEqual("my-api-key", create.kwargs["headers"]["X-MBX-APIKEY"])
        self.assertNotIn("signature", repr(create.kwargs), "the key request is not signed")
        keep_alive = sent[("PUT", REST)][0]
        self.assertEqual({"listenKey": KEY}, keep_alive.kwargs["params"])
        self.assertEqual("my-api-key", keep_alive.kwargs["headers"]["X-MBX-APIKEY"])
        self.assertIn(1800.0, self.waits, "the keep-alive is scheduled every 30 minutes")
        (close,) = sent[("DELETE", REST)]
        self.assertEqual({"listenKey": KEY}, close.kwargs["params"])
        self.assertIsNone(self.source._listen_key)
"""
)

FOCUSED_REST_TOKEN = (
    FOCUSED_PRELUDE
    + r"""

REST = "https://api.binance.com/api/v1/bullet-private"
SERVER = {"endpoint": "wss://ws-api-spot.kucoin.com/", "protocol": "websocket", "pingInterval": 18000}


class FocusedRestTokenLogin(Harness):
    async def test_kucoin_bullet_private_token(self) -> None:
        self.mocking.add_websocket_json_message(self.ws, {"id": "welcome-id", "type": "welcome"})
        self.mocking.add_websocket_json_message(self.ws, {"id": "1", "type": "ack"})
        wrapped = {"type": "message", "topic": "/spotMarket/tradeOrders", "subject": "executionReport", "data": EVENT}
        self.mocking.add_websocket_json_message(self.ws, wrapped)
        with aioresponses() as mocked:
            reply = {"code": "200000", "data": {"token": "tok-123", "instanceServers": [SERVER]}}
            mocked.post(re.compile("^" + re.escape(REST)), payload=reply)
            await self.run_until(mocked, "POST")
            sent = requests_by(mocked)
            (full_url,) = [str(url) for method, url in mocked.requests if method == "POST"]
        self.assertTrue(self.queue.empty(), "welcome and ack never reach the queue")
        url = self.mocking.mock_ws_session.connect_calls[0].url
        self.assertRegex(url, r"^wss://ws-api-spot\.kucoin\.com/\?token=tok-123&connectId=[0-9a-f-]{36}$")
        (mint,) = sent[("POST", REST)]
        self.assertIn("signature=", full_url + str(mint.kwargs.get("data")), "the token request is signed")
        self.assertEqual("my-api-key", mint.kwargs["headers"]["X-MBX-APIKEY"])
        subscribe = {"id": 1, "type": "subscribe", "topic": "/spotMarket/tradeOrders", "privateChannel": True}
        subscribe["response"] = True
        sent = self.mocking.json_messages_sent_through_websocket(self.ws)
        self.assertEqual(subscribe, sent[0], "the subscription is the first message, after the welcome")
        self.assertTrue(sent[1:] and all(m == {"id": m["id"], "type": "ping"} for m in sent[1:]), sent)
        self.assertIn(18.0, self.waits, "JSON pings at the server's pingInterval (18000 ms), not the spec's 30 s")
        self.assertEqual(86400.0, self.source.TOKEN_LIFETIME)
        self.assertIsNone(self.source._token)
"""
)


def generate_package(root: Path, text: str) -> Path:
    """Write ``text`` as ``root/specs/binance.yaml``, generate it into ``root/out/binance`` and return the package."""
    spec_path = root / "specs" / "binance.yaml"
    spec_path.parent.mkdir(parents=True, exist_ok=True)
    spec_path.write_text(text, encoding="utf-8")
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert model is not None, diagnostics
    assert diagnostics == [], diagnostics
    generate(model, spec_path, text, root / "out" / "binance")
    return root / "out" / "binance"


def passed_tests(run: TestRun) -> set[str]:
    """The test function names pytest reported PASSED (``-rA``)."""
    return set(re.findall(r"^PASSED \S+::(\w+)$", run.output, flags=re.MULTILINE))


def run_with_focused_test(package: Path, name: str, source: str) -> TestRun:
    (package / "tests" / name).write_text(source, encoding="utf-8")
    return run_generated_tests(package, ["-rA"])


@pytest.fixture(scope="module")
def listen_key_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_package(tmp_path_factory.mktemp("listen_key"), listen_key_spec())


@pytest.fixture(scope="module")
def rest_token_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_package(tmp_path_factory.mktemp("rest_token"), rest_token_spec())


def test_the_listen_key_module_states_the_rest_calls(listen_key_package: Path) -> None:
    source = (listen_key_package / MODULE).read_text(encoding="utf-8")
    assert "class BinanceAPIUserStreamDataSource(ListenKeyUserStreamDataSource):" in source
    assert "KEEP_ALIVE_INTERVAL = 1800.0" in source
    assert 'return str(url) + "/" + str(listen_key)' in source
    assert 'return str(response["listenKey"])' in source
    for name, method in (("CREATE", "POST"), ("KEEP_ALIVE", "PUT"), ("CLOSE", "DELETE")):
        assert f"CONSTANTS.LISTEN_KEY_{name}_PATH_URL" in source and f"method=RESTMethod.{method}," in source
    assert source.count("headers=self._api_key_headers(),") == 3 and "is_auth_required" not in source
    assert source.count('params={"listenKey": listen_key},') == 2
    assert "_unwrap" not in source and "_is_ignored" not in source  # events arrive unwrapped


def test_the_rest_token_module_states_the_token_call_and_subscription(rest_token_package: Path) -> None:
    source = (rest_token_package / MODULE).read_text(encoding="utf-8")
    assert "class BinanceAPIUserStreamDataSource(RestTokenUserStreamDataSource):" in source
    assert 'token = str(response["data"]["token"])' in source
    assert '"instanceServers"' in source and '.get("endpoint")' in source
    assert 'str(url) + "?token=" + str(token) + "&connectId=" + str(self._new_uuid())' in source
    assert "CONSTANTS.WS_TOKEN_PATH_URL" in source and "is_auth_required=True," in source
    assert '"topic": "/spotMarket/tradeOrders"' in source and '"privateChannel": True' in source


def test_the_listen_key_package_passes_its_suite_and_the_focused_test(listen_key_package: Path) -> None:
    run = run_with_focused_test(listen_key_package, "test_focused_listen_key.py", FOCUSED_LISTEN_KEY)
    assert run.returncode == 0 and (run.failed, run.errors) == (0, 0), run.output
    assert run.passed >= 100, run.output
    assert {
        "test_listen_key_is_created_over_rest_and_carried_in_the_url",
        "test_listen_key_is_kept_alive_every_interval",
        "test_a_new_listen_key_after_every_reconnect",
        "test_terminated_event_raises_connection_error",
        "test_example_event_is_queued_unwrapped",
        "test_binance_legacy_user_data_stream",
    } <= passed_tests(run), run.output


def test_the_rest_token_package_passes_its_suite_and_the_focused_test(rest_token_package: Path) -> None:
    run = run_with_focused_test(rest_token_package, "test_focused_rest_token.py", FOCUSED_REST_TOKEN)
    assert run.returncode == 0 and (run.failed, run.errors) == (0, 0), run.output
    assert run.passed >= 100, run.output
    assert {
        "test_token_is_minted_over_rest_and_the_url_built_from_it",
        "test_a_new_token_after_every_reconnect",
        "test_ignored_replies_are_dropped",
        "test_example_event_is_queued_unwrapped",
        "test_kucoin_bullet_private_token",
    } <= passed_tests(run), run.output


@pytest.mark.parametrize(
    ("style_spec", "template", "message"),
    [
        (listen_key_spec, "${url}/${token}", 'placeholder "${token}" has no value in login style listen_key'),
        (rest_token_spec, "${url}?key=${listen_key}", 'placeholder "${listen_key}" has no value in login style'),
    ],
)
def test_a_url_placeholder_of_the_other_style_is_rejected(style_spec: Any, template: str, message: str) -> None:
    data = yaml.safe_load(style_spec())
    data["ws"]["private"]["login"]["url_template"] = template
    model, diagnostics = check_text(yaml.safe_dump(data, sort_keys=False), "specs/binance.yaml")
    assert model is None
    assert any(message in d.message and d.path == "ws.private.login.url_template" for d in diagnostics), diagnostics


def _diagnostics(data: dict[str, Any]) -> list[tuple[str, str]]:
    model, diagnostics = check_text(yaml.safe_dump(data, sort_keys=False), "specs/binance.yaml")
    assert model is None
    return [(d.path, d.message) for d in diagnostics]


def test_a_token_placeholder_without_a_minted_token_is_rejected() -> None:
    # ${token} in the login message of another style (Binance's signed subscribe), in a private subscription of a
    # style that mints none, and in a public subscription of a socket without a token login.
    data = _binance()
    data["ws"]["private"]["login"]["message"]["params"] = {"token": "${token}"}
    data["ws"]["private"]["subscribe"] = {"message": {"op": "subscribe", "token": "${token}"}}
    data["ws"]["public"]["subscribe"]["message"]["token"] = "${token}"
    found = _diagnostics(data)
    assert (
        "ws.private.login.message.params.token",
        'placeholder "${token}" has no value in login style signed_subscribe',
    ) in found, found
    assert (
        "ws.private.subscribe.message.token",
        'placeholder "${token}" has no value: this connection mints no token',
    ) in found
    assert (
        "ws.public.subscribe.message.token",
        'placeholder "${token}" has no value: this connection mints no token',
    ) in found


def test_a_signed_value_in_a_rest_token_login_message_is_rejected() -> None:
    data = yaml.safe_load(rest_token_spec())
    data["ws"]["private"]["login"]["message"] = {"op": "login", "token": "${token}", "sig": "${signature}"}
    assert _diagnostics(data) == [
        ("ws.private.login.message.sig", 'placeholder "${signature}" has no value in login style rest_token')
    ]


def test_a_public_login_is_a_rest_minted_token_and_sends_no_message() -> None:
    data = yaml.safe_load(rest_token_spec())
    data["ws"]["public"]["login"]["message"] = {"op": "login"}
    assert _diagnostics(data) == [("ws.public.login.message", "a public connection sends no login message")]
    data["ws"]["public"]["login"] = {"style": "signed_login", "recipe": "rest", "message": {"op": "login"}}
    assert ("ws.public.login.style", "a public connection cannot log in with style signed_login") in _diagnostics(data)
