"""Every kind of spec error, with its exact message and position (specs/binance.yaml mutated one way at a time)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hbgen.spec import SpecError, check_text, load_spec
from hbgen.spec.errors import Diagnostic, format_path, suggest

F = "specs/x.yaml"
SIGNING = Path(__file__).resolve().parents[2] / "specs" / "shared" / "binance_rest_signing.yaml"


def mutate(text: str, old: str, new: str) -> str:
    """Replace the first occurrence of ``old`` (which must exist)."""
    assert old in text, old
    return text.replace(old, new, 1)


def test_bad_enum_value_names_choices_and_suggests(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "    method: POST\n    path: /v3/order", "    method: PSOT\n    path: /v3/order")
    line, col = pos(text, "PSOT")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: endpoints.create_order.method: expected one of GET, POST, PUT, DELETE, got "PSOT" '
        '(did you mean "POST"?)'
    ]


def test_unknown_key_is_reported_at_the_key_with_a_suggestion(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "    limit_id: /order\n    params:", "    limit_id: /order\n    parms:")
    line, col = pos(text, "parms:")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: endpoints.create_order.parms: unknown key "parms" (did you mean "params"?)'
    ]


def test_unknown_key_without_close_match_lists_the_allowed_keys(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "conventions:\n  timestamp_unit: ms", "conventions:\n  timestamp_unit: ms\n  zzz: 1")
    line, col = pos(text, "zzz")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: conventions.zzz: unknown key "zzz" (allowed keys: timestamp_unit)'
    ]


def test_wrong_type_names_the_expected_type(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "depth: 1000", "depth: lots")
    line, col = pos(text, "lots")
    assert diagnostics_of(text) == [f'{F}:{line}:{col}: order_book.snapshot.depth: expected an integer, got "lots"']


def test_wrong_container_type(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "  sides: {BUY: BUY, SELL: SELL}", "  sides: [BUY, SELL]")
    line, col = pos(text, "[BUY, SELL]")
    assert diagnostics_of(text) == [f"{F}:{line}:{col}: orders.sides: expected a mapping, got a list"]


def test_missing_required_key_is_reported_at_the_parent_mapping(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "    path: /v3/ping\n    limit_id: /ping\n", "    path: /v3/ping\n")
    line, col = pos(text, "method: GET\n    path: /v3/ping")
    assert diagnostics_of(text) == [f'{F}:{line}:{col}: endpoints.ping: missing required key "limit_id"']


def test_duplicate_key_points_at_the_second_and_names_the_first(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "    path: /v3/ping\n", "    path: /v3/ping\n    method: PUT\n")
    first = pos(text, "method: GET\n    path: /v3/ping")
    line, col = pos(text, "method: PUT")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: endpoints.ping.method: duplicate key "method" '
        f"(first defined at line {first[0]}, column {first[1]})"
    ]


def test_yaml_syntax_error_has_file_line_and_column(diagnostics_of) -> None:
    assert diagnostics_of("spec_version: 1\nname: [binance\n") == [
        f"{F}:3:1: YAML syntax error: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence at line 2, column 7)"
    ]


def test_tab_indentation_is_a_syntax_error(diagnostics_of) -> None:
    assert diagnostics_of("name: binance\ndomains:\n\tcom: 1\n") == [
        f"{F}:3:1: YAML syntax error: found character '\\t' that cannot start any token "
        "(while scanning for the next token)"
    ]


def test_unknown_rate_limit_id(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "limit_id: /ping", "limit_id: /pong")
    line, col = pos(text, "/pong")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: endpoints.ping.limit_id: unknown rate limit id "/pong" (did you mean "/ping"?)'
    ]


def test_unknown_linked_pool(binance_text, diagnostics_of, pos) -> None:
    text = mutate(
        binance_text,
        "/ping: {limit: 5000, interval: 60, linked: {REQUEST_WEIGHT: 1",
        "/ping: {limit: 5000, interval: 60, linked: {REQUEST_WEIGHTS: 1",
    )
    line, col = pos(text, "REQUEST_WEIGHTS")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: rate_limits["/ping"].linked.REQUEST_WEIGHTS: unknown rate limit id "REQUEST_WEIGHTS" '
        '(did you mean "REQUEST_WEIGHT"?)'
    ]


def test_unknown_hook_reference(binance_text, diagnostics_of, pos) -> None:
    text = mutate(
        binance_text, "  balances:\n    kind: balance\n", "  balances:\n    kind: balance\n    hook: custom_balances\n"
    )
    line, col = pos(text, "custom_balances")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: mappings.balances.hook: unknown hook "custom_balances" (no hook is defined)'
    ]


def test_declared_hook_never_referenced(binance_text, diagnostics_of, pos) -> None:
    text = (
        binance_text
        + "hooks:\n  book_checksum:\n    at: order_book.checksum\n    description: CRC32 over the top levels.\n"
    )
    line, col = pos(text, "book_checksum")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: hooks.book_checksum: hook "book_checksum" (at order_book.checksum) is declared but never '
        "referenced (name it in order_book.integrity.checksum.hook, or remove it)"
    ]


def test_free_hook_needs_no_reference(binance_text, diagnostics_of) -> None:
    text = (
        binance_text
        + "hooks:\n  recover_fills:\n    at: exchange.status_polling\n    description: Recreate fills of orders known only from the database.\n"  # noqa: E501 - literal fixture text
    )
    assert diagnostics_of(text) == []


def test_hook_used_at_the_wrong_plug_point(binance_text, diagnostics_of, pos) -> None:
    text = mutate(
        binance_text, "  balances:\n    kind: balance\n", "  balances:\n    kind: balance\n    hook: sign_it\n"
    )
    text += "hooks:\n  sign_it:\n    at: auth.sign\n    description: A signing hook used as a parser.\n"
    line, col = pos(text, "sign_it")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: mappings.balances.hook: hook "sign_it" is declared at auth.sign, but is used here as '
        "mapping.parse (set its at: mapping.parse)"
    ]


def test_channel_with_unknown_mapping(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "        mapping: trade\n", "        mapping: trades\n")
    line, col = pos(text, "mapping: trades")
    col += len("mapping: ")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: ws.public.channels.trade.mapping: unknown mapping "trades" (did you mean "trade"?)'
    ]


def test_channel_without_mapping(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "        match: trade\n        mapping: trade\n", "        match: trade\n")
    line, col = pos(text, "stream: ${symbol}@trade")
    assert diagnostics_of(text) == [f'{F}:{line}:{col}: ws.public.channels.trade: missing required key "mapping"']


def test_channel_mapping_of_the_wrong_kind(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "        mapping: trade\n", "        mapping: balances\n")
    line, col = pos(text, "balances\n        example")
    out = diagnostics_of(text)
    assert out[0] == (
        f'{F}:{line}:{col}: ws.public.channels.trade.mapping: mapping "balances" has kind balance, but channel trade '
        "needs kind order_book_diff or order_book_snapshot or trade"
    )
    # The example records are then checked against the balance fields; no "missing capability" pile-up.
    assert all("example_parsed" in d for d in out[1:]) and len(out) > 1
    assert not any("missing capability" in d for d in out)


def test_missing_capability_without_waiver(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "  balances:\n    method: GET", "  balance:\n    method: GET")
    line, col = pos(text, "server_time:\n    method")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: endpoints: missing capability rest_balances: no "balances" endpoint '
        '(endpoint "balance" looks like "balances": roles go by name, rename it; or waive rest_balances)'
    ]


def test_waiver_with_reason_accepts_a_missing_capability(binance_text, diagnostics_of, pos) -> None:
    start = binance_text.index("      trade:\n        stream:")
    end = binance_text.index("      order_book_diff:\n        stream:")
    text = binance_text[:start] + binance_text[end:]
    line, col = pos(text, "url: stream")
    assert [d for d in diagnostics_of(text) if "missing capability" in d] == [
        f"{F}:{line}:{col}: ws.public: missing capability ws_trades: no public channel with a trade mapping "
        "(add it, or waive it with a reason under waivers.ws_trades)"
    ]
    text += "waivers:\n  ws_trades: this exchange publishes no trades on its websocket\n"
    assert diagnostics_of(text) == []


def test_waiver_of_a_present_capability_is_an_error(binance_text, diagnostics_of, pos) -> None:
    text = binance_text + "waivers:\n  ws_trades: this exchange publishes no trades on its websocket\n"
    line, col = pos(text, "ws_trades:")
    assert diagnostics_of(text) == [
        f"{F}:{line}:{col}: waivers.ws_trades: ws_trades is waived but the spec provides it (remove the waiver)"
    ]


def test_invalid_order_state_name(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "  CANCELED: CANCELED\n", "  CANCELED: CANCELLED\n")
    line, col = pos(text, "CANCELLED")
    out = diagnostics_of(text)
    assert out[0] == (
        f"{F}:{line}:{col}: order_states.CANCELED: expected one of PENDING_CREATE, OPEN, PENDING_CANCEL, CANCELED, "
        'PARTIALLY_FILLED, FILLED, FAILED, PENDING_APPROVAL, APPROVED, CREATED, COMPLETED, got "CANCELLED" '
        '(did you mean "CANCELED"?)'
    )


def test_connector_name_must_be_an_identifier(binance_text, diagnostics_of) -> None:
    text = mutate(binance_text, "name: binance\n", "name: Binance-Spot\n")
    out = diagnostics_of(text)
    assert out[0] == (
        f"{F}:6:7: name: expected a lowercase identifier (letters, digits, underscores, starting with a letter), "
        'got "Binance-Spot"'
    )


def test_endpoint_names_must_be_identifiers(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "  book_ticker:\n", "  Book-Ticker:\n")
    line, col = pos(text, "Book-Ticker")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: endpoints["Book-Ticker"]: invalid key "Book-Ticker": expected a lowercase identifier '
        "(letters, digits, underscores, starting with a letter)"
    ]


def test_python_keywords_cannot_name_identifiers(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "  book_ticker:\n", "  import:\n")
    line, col = pos(text, "import:")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: endpoints.import: "import" is a Python keyword and cannot name a generated identifier'
    ]


def fragment_diagnostics(tmp_path, spec_text: str, fragment_text: str) -> list[str]:
    """Validate ``spec_text`` as specs/x.yaml next to specs/shared/binance_rest_signing.yaml = ``fragment_text``."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "binance_rest_signing.yaml").write_text(fragment_text, encoding="utf-8")
    model, diags = check_text(spec_text, "specs/x.yaml", base_dir=tmp_path)
    assert (model is None) == bool(diags)
    return [str(d) for d in diags]


def test_signing_part_typo_is_narrowed_to_the_string_form(tmp_path, binance_text, repo, pos) -> None:
    # Binance's REST recipe lives in a shared fragment: the diagnostic points into it and names the including spec.
    fragment = mutate(SIGNING.read_text(encoding="utf-8"), "parts: [query, body]", "parts: [qury, body]")
    line, col = pos(fragment, "qury")
    at = pos(binance_text, "shared/binance_rest_signing.yaml")
    assert fragment_diagnostics(tmp_path, binance_text, fragment) == [
        f"specs/shared/binance_rest_signing.yaml:{line}:{col}: auth.recipes.rest.parts[0]: expected one of "
        "timestamp, nonce, method, path, path_with_query, query, body, params, api_key, recv_window, passphrase, "
        f'got "qury" (did you mean "query"?) [included by {F}:{at[0]}:{at[1]}]'
    ]


def test_field_expression_with_a_misspelled_form_key(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "      trade_id: {path: t, type: str}", "      trade_id: {paht: t, type: str}")
    line, col = pos(text, "{paht")
    assert diagnostics_of(text) == [
        f"{F}:{line}:{col}: mappings.trade.fields.trade_id: expected a mapping with one of the keys path, sum, "
        'product, difference, first_nonempty, negate, step_of_decimals, value, cases (did you mean "path"?)'
    ]


def test_field_expression_bad_type_inside_the_structured_form(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "      trade_id: {path: t, type: str}", "      trade_id: {path: t, type: sting}")
    line, col = pos(text, "sting")
    out = diagnostics_of(text)
    assert out == [
        f"{F}:{line}:{col}: mappings.trade.fields.trade_id.type: expected one of decimal, int, float, str, bool, "
        "timestamp_s, timestamp_ms, timestamp_us, timestamp_ns, iso8601, levels, order_state, trade_side, symbol, "
        'asset, position_side, position_mode, got "sting" (did you mean "str"?)'
    ]


def test_unknown_field_of_a_mapping_kind(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "      min_order_size: filters", "      min_order_sise: filters")
    line, col = pos(text, "min_order_sise")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: mappings.trading_rule.fields.min_order_sise: unknown key "min_order_sise" '
        '(did you mean "min_order_size"?)'
    ]


def test_invalid_field_path(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "      first_update_id: U\n", "      first_update_id: U..x\n")
    line, col = pos(text, "U..x")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: mappings.order_book_diff.fields.first_update_id: invalid field path "U..x": '
        'unexpected "." (at character 3)'
    ]


def test_integrity_policy_needs_its_fields(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "      first_update_id: U\n", "")
    line, col = pos(text, "first_last_update_id   #")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: order_book.integrity.policy: policy first_last_update_id needs mapping "order_book_diff" '
        "(channel order_book_diff) to map first_update_id"
    ]


def test_unknown_placeholder_in_a_stream_template(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "stream: ${symbol}@trade", "stream: ${sym}@trade")
    line, col = pos(text, "${sym}@trade")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: ws.public.channels.trade.stream: unknown placeholder "${{sym}}" (did you mean "symbol"?)'
    ]


def test_test_vector_mismatch_is_reported_at_the_expected_value(tmp_path, binance_text, pos) -> None:
    fragment = mutate(SIGNING.read_text(encoding="utf-8"), "expected: c8db5", "expected: 08db5")
    line, col = pos(fragment, "08db5")
    at = pos(binance_text, "shared/binance_rest_signing.yaml")
    assert fragment_diagnostics(tmp_path, binance_text, fragment) == [
        f"specs/shared/binance_rest_signing.yaml:{line}:{col}: auth.test_vectors[0].expected: signature mismatch: "
        f"recipe rest produces c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71 "
        f"[included by {F}:{at[0]}:{at[1]}]"
    ]


def test_a_vector_stated_in_the_spec_is_reported_in_the_spec(binance_text, diagnostics_of, pos) -> None:
    # The spec's own vectors follow the fragment's four: the path is the composed document's, the position the spec's.
    text = mutate(binance_text, "expected: cc154", "expected: 0c154")
    line, col = pos(text, "0c154")
    assert diagnostics_of(text) == [
        f"{F}:{line}:{col}: auth.test_vectors[4].expected: signature mismatch: recipe ws_api produces "
        "cc15477742bd704c29492d96c7ead9414dfd8e0ec4a00f947bb5bb454ddbd08a"
    ]


def test_config_keys_must_start_with_the_connector_name(binance_text, diagnostics_of, pos) -> None:
    text = mutate(binance_text, "key: binance_api_key", "key: api_key")
    line, col = pos(text, "api_key\n    role")
    assert diagnostics_of(text) == [
        f'{F}:{line}:{col}: credentials[0].key: config key "api_key" must start with "binance_" '
        "(Hummingbot derives constructor arguments from key names)"
    ]


def test_many_errors_are_reported_at_once_sorted_by_position(binance_text) -> None:
    text = mutate(binance_text, "    method: POST\n    path: /v3/order", "    method: PSOT\n    path: /v3/order")
    text = mutate(text, "depth: 1000", "depth: lots")
    text = mutate(text, "limit_id: /ping", "limit_id: /pong")
    text = mutate(text, "name: binance\n", "name: binance\nnmae: x\n")
    text = mutate(text, "  CANCELED: CANCELED\n", "  CANCELED: CANCELLED\n")
    model, diags = check_text(text, F)
    assert model is None
    assert len(diags) == 5
    assert [(d.line, d.col) for d in diags] == sorted((d.line, d.col) for d in diags)
    assert [d.path for d in diags] == [
        "nmae",
        "endpoints.ping.limit_id",
        "endpoints.create_order.method",
        "order_book.snapshot.depth",
        "order_states.CANCELED",
    ]


def test_load_spec_raises_spec_error_with_all_diagnostics(tmp_path, binance_text) -> None:
    shutil.copytree(SIGNING.parent, tmp_path / "shared")
    bad = tmp_path / "bad.yaml"
    bad.write_text(mutate(binance_text, "depth: 1000", "depth: -3"), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(bad, "specs/bad.yaml")
    (diag,) = info.value.diagnostics
    assert diag.path == "order_book.snapshot.depth"
    assert diag.message == "expected a number >= 1, got -3"
    assert str(info.value) == str(diag)


def test_non_string_keys_and_yaml_quirks(diagnostics_of) -> None:
    out = diagnostics_of("spec_version: 1\n1: x\n")
    assert f'{F}:2:1: mapping keys must be strings, got 1 (quote the key: "1")' in out


def test_empty_file_and_non_mapping_document(diagnostics_of) -> None:
    assert diagnostics_of("") == [f"{F}:1:1: the spec is empty; expected a mapping"]
    assert diagnostics_of("- a\n- b\n") == [f"{F}:1:1: expected a mapping at the top of the spec"]


def test_diagnostic_rendering_and_helpers() -> None:
    d = Diagnostic("f.yaml", 3, 7, "a.b[2]", "bad", "try this")
    assert str(d) == "f.yaml:3:7: a.b[2]: bad (try this)"
    assert str(Diagnostic("f.yaml", 1, 1, "", "bad")) == "f.yaml:1:1: bad"
    assert format_path(["rate_limits", "/order", "linked", 0, "x"]) == 'rate_limits["/order"].linked[0].x'
    assert suggest("PSOT", ["GET", "POST"]) == "POST"
    assert suggest("post", ["GET", "POST"]) == "POST"
    assert suggest("zzzz", ["GET", "POST"]) is None


def test_a_book_mapping_cannot_be_parsed_by_a_hook(binance_text, diagnostics_of, pos) -> None:
    text = mutate(
        binance_text,
        "  order_book_diff:\n    kind: order_book_diff\n",
        "  order_book_diff:\n    kind: order_book_diff\n    hook: parse_depth\n",
    )
    text += "\nhooks:\n  parse_depth:\n    at: mapping.parse\n    description: parse depth\n"
    line, col = pos(text, "hook: parse_depth")
    assert diagnostics_of(text) == [
        f"{F}:{line}:{col}: mappings.order_book_diff.hook: mappings of kind order_book_diff cannot be parsed by a "
        "hook: the order book reads their fields (map the fields (each/paths); put custom book logic in "
        "order_book.integrity.checksum.hook)"
    ]
