"""The perpetual part of the spec language: the model of specs/binance_perpetual.yaml and what the validator says
about broken perpetual facts (each case breaks one fact of the committed spec and expects exactly its diagnostics)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from hbgen.spec import ConnectorSpec, load_spec

F = "specs/x.yaml"
PERPETUAL = Path(__file__).resolve().parents[2] / "specs" / "binance_perpetual.yaml"


@pytest.fixture(scope="module")
def perp_text() -> str:
    return PERPETUAL.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def perp() -> ConnectorSpec:
    model = load_spec(PERPETUAL)
    assert isinstance(model, ConnectorSpec)
    return model


def mutate(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def errors_of(diagnostics_of: Callable[[str], list[str]], text: str) -> list[str]:
    """The diagnostics without their file:line:column prefix."""
    return [d.split(": ", 1)[1] for d in diagnostics_of(text)]


def test_the_perpetual_section_of_binance_usdm(perp: ConnectorSpec) -> None:
    section = perp.perpetual
    assert perp.type == "perpetual" and section is not None
    assert section.position_modes == ("ONEWAY", "HEDGE")
    assert dict(section.position_mode_values) == {"ONEWAY": "false", "HEDGE": "true"}
    assert section.position_mode_scope == "account"
    assert section.funding_poll_interval == 600
    hedge_rules = [r for r in section.order_params if r.position_mode == "HEDGE"]
    assert len(hedge_rules) == 4 and all(r.side in ("BUY", "SELL") for r in hedge_rules)
    (oneway,) = [r for r in section.order_params if r.position_mode == "ONEWAY"]
    assert oneway.position_action == "CLOSE" and oneway.side is None and dict(oneway.params) == {"reduceOnly": "true"}
    assert set(section.success) == {"set_position_mode"} and set(section.unchanged) == {"set_position_mode"}
    for role in ("positions", "funding_info", "funding_payments", "set_leverage", "set_position_mode", "position_mode"):
        assert role in perp.endpoints, role


def test_perpetual_mappings_and_the_funding_channel(perp: ConnectorSpec) -> None:
    assert perp.mappings["positions"].kind == "position"
    assert perp.mappings["premium_index"].kind == "funding_info"
    assert perp.mappings["funding_payments"].kind == "funding_payment"
    parsed = perp.endpoints["funding_info"].example_parsed
    assert parsed is not None and Decimal(parsed[0]["rate"]) == Decimal("0.00038246")
    assert perp.ws.public is not None
    kinds = {perp.mappings[c.mapping].kind for c in perp.ws.public.channels.values() if c.mapping}
    assert "funding_info" in kinds


def test_an_unknown_position_mode_value_is_named_with_a_suggestion(perp_text, diagnostics_of) -> None:
    text = mutate(
        perp_text,
        'position_mode_values: {ONEWAY: "false", HEDGE: "true"}',
        'position_mode_values: {ONEWAY: "false", HEDGES: "true"}',
    )
    assert errors_of(diagnostics_of, text) == [
        "perpetual.position_mode_values: no wire value for position mode HEDGE "
        "(add perpetual.position_mode_values.HEDGE)",
        'perpetual.position_mode_values.HEDGES: unknown key "HEDGES" (did you mean "HEDGE"?)',
    ]


def test_a_wire_value_for_an_unlisted_mode_is_an_error(perp_text, diagnostics_of) -> None:
    text = mutate(perp_text, "  position_modes: [ONEWAY, HEDGE]\n", "  position_modes: [ONEWAY]\n")
    found = errors_of(diagnostics_of, text)
    assert "perpetual.position_mode_values.HEDGE: position mode HEDGE is not in position_modes" in found, found
    assert sum("a rule for position mode HEDGE" in d for d in found) == 4, found


def test_set_leverage_must_send_the_leverage(perp_text, diagnostics_of) -> None:
    text = mutate(perp_text, "      symbol: symbol\n      leverage: leverage\n", "      symbol: symbol\n")
    assert errors_of(diagnostics_of, text) == [
        "endpoints.set_leverage.params: set_leverage must send the leverage: no parameter reads the input leverage "
        "(add a parameter such as leverage: leverage)"
    ]


def test_set_position_mode_must_send_the_mode(perp_text, diagnostics_of) -> None:
    text = mutate(perp_text, "    params:\n      dualSidePosition: position_mode\n", "")
    assert errors_of(diagnostics_of, text) == [
        "endpoints.set_position_mode: set_position_mode must send the mode: no parameter reads the input "
        "position_mode (add a parameter such as dualSidePosition: position_mode)"
    ]


def test_a_per_pair_mode_switch_needs_a_symbol(perp_text, diagnostics_of) -> None:
    text = mutate(
        perp_text, "  funding_poll_interval: 600\n", "  funding_poll_interval: 600\n  position_mode_scope: per_pair\n"
    )
    assert errors_of(diagnostics_of, text) == [
        "perpetual.position_mode_scope: position_mode_scope per_pair switches each pair, but set_position_mode sends "
        "no symbol (add a symbol parameter, or use scope account)"
    ]


def test_an_order_param_rule_for_an_unlisted_mode_never_applies(perp_text, diagnostics_of) -> None:
    text = mutate(perp_text, "  position_modes: [ONEWAY, HEDGE]\n", "  position_modes: [HEDGE]\n")
    text = mutate(
        text, 'position_mode_values: {ONEWAY: "false", HEDGE: "true"}', 'position_mode_values: {HEDGE: "true"}'
    )
    assert errors_of(diagnostics_of, text) == [
        "perpetual.order_params[4].position_mode: a rule for position mode ONEWAY, which position_modes does not "
        "list: it would never apply"
    ]


def test_success_and_unchanged_rules_need_their_endpoint(perp_text, diagnostics_of) -> None:
    text = mutate(perp_text, "  unchanged:\n    set_position_mode:\n", "  unchanged:\n    set_leverage_typo:\n")
    found = errors_of(diagnostics_of, text)
    assert any(d.startswith("perpetual.unchanged.set_leverage_typo") for d in found), found


def test_funding_info_mappings_must_map_the_funding_fields(perp_text, diagnostics_of) -> None:
    text = mutate(perp_text, "      rate: lastFundingRate\n", "")
    found = errors_of(diagnostics_of, text)
    assert found and all("rate" in d for d in found), found


def test_perpetual_roles_and_kinds_belong_to_perpetual_specs(perp_text, diagnostics_of) -> None:
    found = errors_of(diagnostics_of, mutate(perp_text, "type: perpetual", "type: spot"))
    for role in ("positions", "funding_info", "funding_payments", "set_leverage", "set_position_mode"):
        assert f"endpoints.{role}: endpoint role {role} applies only to type perpetual" in found, found
    assert "mappings.margin_call.kind: mapping kind margin_call applies only to type perpetual" in found
    assert "perpetual: perpetual settings apply only to type perpetual, but type is spot" in found
