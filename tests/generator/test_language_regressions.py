"""Regression tests for defects found while fitting the spec language to real exchanges (issue 11, item 5).

Each test pins one fixed defect; the larger behaviours (errors inside replies, envelopes, path placeholders, hooked
mappings, the login passphrase, per-stream symbols) are proved through a generated package in
``test_generate_reply_checks.py``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from hbgen.scaffold import ANSWERS_FILE, answers_refresh
from hbgen.spec import check_text, load_spec
from hbgen.spec.reference import render_reference

ROOT = Path(__file__).resolve().parents[2]
BINANCE = (ROOT / "specs" / "binance.yaml").read_text(encoding="utf-8")


def _messages(text: str) -> list[str]:
    model, diagnostics = check_text(text, "specs/x.yaml")
    return [d.message for d in diagnostics]


def _binance_with(mutate: object) -> str:
    data = yaml.safe_load(BINANCE)
    mutate(data)  # type: ignore[operator]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _signed_login(data: dict) -> None:  # type: ignore[type-arg]
    data["auth"]["recipes"]["login"] = {
        "algorithm": "hmac_sha256",
        "output": "base64",
        "parts": ["timestamp", {"literal": "GET/users/self/verify"}],
        "timestamp": {"unit": "s"},
        "passphrase": "plain",
    }
    data["ws"]["private"]["login"] = {
        "style": "signed_login",
        "recipe": "login",
        "message": {
            "op": "login",
            "args": [{"key": "${api_key}", "passphrase": "${passphrase}", "sign": "${signature}"}],
        },
        "success": [{"field": "event", "equals": "login"}],
    }


def test_a_login_passphrase_needs_a_credential_but_no_placement() -> None:
    # Before: the recipe's passphrase mode demanded a placement the login does not need, and without the mode the
    # generated tests failed with KeyError: 'passphrase'.
    messages = _messages(_binance_with(_signed_login))
    assert messages == ["the login message uses ${passphrase} but no credential has role passphrase"]

    def with_credential(data: dict) -> None:  # type: ignore[type-arg]
        _signed_login(data)
        data["credentials"].append({"key": "binance_passphrase", "role": "passphrase"})

    assert _messages(_binance_with(with_credential)) == []


def test_a_passphrase_mode_without_a_placement_or_a_login_that_uses_it_is_still_an_error() -> None:
    def mode_only(data: dict) -> None:  # type: ignore[type-arg]
        data["auth"]["recipes"]["ws_api"]["passphrase"] = "plain"
        data["credentials"].append({"key": "binance_passphrase", "role": "passphrase"})

    assert "passphrase mode is set but place.passphrase is missing" in _messages(_binance_with(mode_only))


def test_a_path_placeholder_must_be_an_input_of_the_endpoint() -> None:
    def placeholder(data: dict) -> None:  # type: ignore[type-arg]
        data["endpoints"]["balances"]["path"] = "/v3/account/${client_order_id}"

    assert _messages(_binance_with(placeholder)) == [
        'placeholder "${client_order_id}" is not an input of endpoint balances (inputs: none)'
    ]


def test_a_vector_value_its_recipe_does_not_use_is_an_error() -> None:
    def nonce(data: dict) -> None:  # type: ignore[type-arg]
        data["auth"]["test_vectors"][0]["nonce"] = "5"

    assert _messages(_binance_with(nonce)) == ["the recipe ws_api has no nonce, so the vector's nonce means nothing"]


def test_a_token_placeholder_in_a_public_subscription_is_an_error() -> None:
    # Before: it validated, then generate failed ("placeholder ${token} has no value here").
    def token(data: dict) -> None:  # type: ignore[type-arg]
        data["ws"]["public"]["subscribe"]["message"]["token"] = "${token}"

    assert _messages(_binance_with(token)) == ['placeholder "${token}" has no value: this connection mints no token']


def test_the_answers_file_note_says_what_to_do(tmp_path: Path) -> None:
    package = tmp_path / "binance"
    package.mkdir()
    (package / ANSWERS_FILE).write_text("- not: a mapping\n", encoding="utf-8")
    text, note = answers_refresh(load_spec(ROOT / "specs" / "binance.yaml"), "specs/binance.yaml", package, {}, [])
    assert text is None
    assert "left as it is" in note and "nothing to do now" in note and "keep your side of each conflict" in note


def test_the_reference_lists_the_keys_of_lists_of_mappings() -> None:
    reference = render_reference()
    static = reference[reference.index("#### `recipe.static[]`") :]
    assert "| `in` |" in static and "| `name` |" in static and "| `value` |" in static
    matchers = reference[reference.index("### `error_matchers`") :]
    assert "| `code` |" in matchers and "| `message_contains` |" in matchers and "| `http_status` |" in matchers
    assert "#### `reply_check" not in reference  # its keys are in its own table
    assert "| `error_when` |" in reference
