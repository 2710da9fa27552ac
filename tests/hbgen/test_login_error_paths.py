"""ws.private.login.error_code / error_message: where a rejected login reply carries the exchange's error."""

from __future__ import annotations

from collections.abc import Callable

from hbgen.spec import check_text

TIME_SYNC = "  time_sync:\n    - {code: -1021}\n"
ERROR_PATHS = (
    '      error_code: error.code       # a rejected request: {"id", "status": 400, "error": {"code", "msg"}}\n'
)


def test_binance_declares_where_its_login_errors_are_read(binance_text: str) -> None:
    model, diagnostics = check_text(binance_text, "specs/binance.yaml")
    assert model is not None, diagnostics
    login = model.ws.private.login if model.ws.private else None
    assert login is not None and login.error_code is not None and login.error_message is not None
    assert (login.error_code.text, login.error_message.text) == ("error.code", "error.msg")


def test_error_paths_without_time_sync_rules_are_an_error(
    binance_text: str, diagnostics_of: Callable[[str], list[str]]
) -> None:
    assert TIME_SYNC in binance_text and ERROR_PATHS in binance_text
    found = diagnostics_of(binance_text.replace(TIME_SYNC, ""))
    assert any(
        "ws.private.login.error_code: error_code is read only to recognise a rejected login timestamp" in d
        and "errors.time_sync" in d
        for d in found
    ), found


def test_error_paths_do_not_apply_to_a_login_without_a_signed_message(
    binance_text: str, diagnostics_of: Callable[[str], list[str]]
) -> None:
    text = binance_text.replace("      style: signed_subscribe\n", "      style: hook\n      hook: binance_login\n")
    found = diagnostics_of(text)
    assert any("error_code does not apply to login style hook" in d for d in found), found
