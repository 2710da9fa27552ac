"""Several private subscriptions, each signed (issue 11: "several private subscriptions, each signed where the exchange
requires it"), proved through a complete generated package.

The spec is derived from specs/okx.yaml: its two private events (orders, account) each subscribe with a message of
their own that carries the signed values of the login recipe (``${api_key}``, ``${timestamp}``, ``${signature}``),
as Gate signs every channel subscription. The generated suite runs green, and a focused test checks that each
subscription is signed with the recipe, afresh for every message (a later one carries a later timestamp).
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
OKX = (ROOT / "specs" / "okx.yaml").read_text(encoding="utf-8")


def signed_subscriptions_spec() -> str:
    data: dict[str, Any] = yaml.safe_load(OKX)
    events = data["ws"]["private"]["events"]
    signed = {"apiKey": "${api_key}", "timestamp": "${timestamp}", "sign": "${signature}"}
    events["orders"]["subscribe"] = {"message": {"op": "subscribe", "args": [{"channel": "orders"}], **signed}}
    events["account"]["subscribe"] = {"message": {"op": "subscribe", "args": [{"channel": "account"}], **signed}}
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


FOCUSED = r"""
import base64
import hashlib
import hmac
import unittest

from okx.okx_api_user_stream_data_source import OkxAPIUserStreamDataSource
from okx.okx_auth import OkxAuth


class Clock:
    def __init__(self, seconds):
        self.seconds = seconds

    def time(self):
        return self.seconds


class SignedSubscriptions(unittest.TestCase):
    def test_each_subscription_is_signed_afresh(self):
        clock = Clock(1_700_000_000.0)
        auth = OkxAuth(api_key="the-key", secret_key="the-secret", time_provider=clock, passphrase="p")
        source = OkxAPIUserStreamDataSource(auth=auth, trading_pairs=["X-Y"], connector=None, api_factory=None)
        first = source._subscription_messages()
        clock.seconds += 5
        second = source._subscription_messages()
        self.assertEqual([[{"channel": "orders"}], [{"channel": "account"}]], [m["args"] for m in first])
        for message in first + second:
            self.assertEqual("the-key", message["apiKey"])
            text = message["timestamp"] + "GET" + "/users/self/verify"
            expected = base64.b64encode(hmac.new(b"the-secret", text.encode(), hashlib.sha256).digest()).decode()
            self.assertEqual(expected, message["sign"], message)
        self.assertEqual("1700000000", first[0]["timestamp"])
        self.assertEqual("1700000005", second[1]["timestamp"], "signed when sent, not once")
        self.assertNotIn("the-secret", repr(first + second))
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("signed_subscriptions")
    text = signed_subscriptions_spec()
    spec_path = root / "specs" / "okx.yaml"
    spec_path.parent.mkdir(parents=True)
    spec_path.write_text(text, encoding="utf-8")
    model, diagnostics = check_text(text, "specs/okx.yaml")
    assert model is not None and diagnostics == [], diagnostics
    generate(model, spec_path, text, root / "out" / "okx")
    return root / "out" / "okx"


def test_the_generated_source_signs_each_subscription(package: Path) -> None:
    source = (package / "okx_api_user_stream_data_source.py").read_text(encoding="utf-8")
    assert source.count("signed = self._auth.sign_ws_login()") == 3  # the login, then each subscription


def test_the_derived_package_passes_its_suite_and_the_focused_test(package: Path) -> None:
    run = run_with_focused_test(package, "test_focused_signed_subscriptions.py", FOCUSED)
    assert run.failed == run.errors == 0, run.output[-6000:]
    passed = passed_tests(run)
    for name in (
        "test_each_subscription_is_signed_afresh",
        "test_user_stream_login_sends_the_signed_message_and_requires_success",
    ):
        assert name in passed, name
