"""A spec without ``ws.private`` (the exchange has no private websocket): valid once the two private capabilities
are waived; its model never claims real-time balances; a hook at ``exchange.user_stream_event`` is refused."""

from __future__ import annotations

from pathlib import Path

from hbgen.spec import check_text

REPO = Path(__file__).resolve().parents[2]
BINANCE = (REPO / "specs" / "binance.yaml").read_text(encoding="utf-8")
WAIVERS = """
waivers:
  ws_private_orders: no private websocket; orders are polled over REST
  ws_private_trades: no private websocket; fills are polled over REST
"""


def without_private_ws(text: str = BINANCE) -> str:
    """``text`` with its ``ws.private`` section cut out (it runs up to the ``orders`` section)."""
    start = text.index("  private:\n    url: api\n")
    end = text.index("\norders:\n")
    return text[:start] + text[end:]


def test_binance_claims_real_time_balances_and_has_a_balance_event() -> None:
    model, diagnostics = check_text(BINANCE, "specs/binance.yaml")
    assert diagnostics == [] and model is not None
    assert model.ws.private is not None and model.real_time_balance_updates is True


def test_without_private_ws_the_waived_spec_validates_and_balances_are_polled() -> None:
    text = without_private_ws() + WAIVERS
    assert "real_time_balance_updates: true" in text  # the flag stays; nothing could honour it
    model, diagnostics = check_text(text, "specs/binance.yaml")
    assert diagnostics == [] and model is not None
    assert model.ws.private is None
    assert model.real_time_balance_updates is False


def test_without_private_ws_the_capabilities_must_be_waived() -> None:
    model, diagnostics = check_text(without_private_ws(), "specs/binance.yaml")
    assert model is None
    messages = [d.message for d in diagnostics]
    assert any("missing capability ws_private_orders" in m for m in messages), messages
    assert any("missing capability ws_private_trades" in m for m in messages), messages


def test_a_user_stream_event_hook_needs_a_private_websocket() -> None:
    hook = """
hooks:
  binance_route:
    at: exchange.user_stream_event
    description: Route the events the spec cannot describe.
"""
    model, diagnostics = check_text(without_private_ws() + WAIVERS + hook, "specs/binance.yaml")
    assert model is None
    assert [d.message for d in diagnostics] == [
        'hook "binance_route" (at exchange.user_stream_event) would never run: the spec has no private websocket '
        "(ws.private)"
    ]
    model, diagnostics = check_text(BINANCE + hook, "specs/binance.yaml")
    assert diagnostics == [] and model is not None
