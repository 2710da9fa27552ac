"""error_reply and error_facts: the status, code and message of a failed request, for error rules to match."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hbrt.web_assistant import ErrorFacts, RESTRequestError, error_facts, error_reply


def binance_details(body: Any) -> tuple[Any, str | None]:
    """An exchange's reader of its error bodies: ``{"code": ..., "msg": ...}``."""
    if not isinstance(body, dict):
        return None, None
    message = body.get("msg")
    return body.get("code"), None if message is None else str(message)


def rest_error(status: int, body: str) -> RESTRequestError:
    return RESTRequestError(status=status, method="POST", url="https://api.example.com/order?signature=abc", body=body)


def test_rest_request_error_json_body() -> None:
    error = rest_error(400, '{"code": -2013, "msg": "Order does not exist."}')
    assert error_reply(error) == (400, {"code": -2013, "msg": "Order does not exist."})
    assert error_facts(error, binance_details) == ErrorFacts(-2013, "Order does not exist.", 400)


def test_rest_request_error_text_body_is_the_message() -> None:
    error = rest_error(503, "Service Unavailable")
    assert error_reply(error) == (503, "Service Unavailable")
    assert error_facts(error, binance_details) == ErrorFacts(None, "Service Unavailable", 503)


def test_a_json_body_without_a_message_has_none() -> None:
    error = rest_error(400, '{"code": -1021}')
    assert error_facts(error, binance_details) == ErrorFacts(-1021, None, 400)


@pytest.mark.parametrize(("body", "decoded"), [("[1, 2]", [1, 2]), ("null", None), ("", "")])
def test_bodies_that_are_not_objects(body: str, decoded: Any) -> None:
    error = rest_error(418, body)
    assert error_reply(error) == (418, decoded)
    assert error_facts(error, binance_details) == ErrorFacts(None, body if isinstance(decoded, str) else None, 418)


def test_an_error_raised_in_the_rest_request_error_format_is_read_from_its_text() -> None:
    # Hummingbot connectors raise IOError with this text by hand; a pickled RESTRequestError's text reads the same.
    error = OSError(
        'Error executing request POST https://api.example.com/order. HTTP status is 400. Error: {"code": -2011,\n'
        '"msg": "Unknown order sent."}'
    )
    assert error_reply(error) == (400, {"code": -2011, "msg": "Unknown order sent."})
    assert error_facts(error, binance_details) == ErrorFacts(-2011, "Unknown order sent.", 400)


def test_text_without_status_or_body_part_is_the_whole_body() -> None:
    error = ValueError("Timestamp for this request is outside of the recvWindow.")
    assert error_reply(error) == (None, "Timestamp for this request is outside of the recvWindow.")
    facts = error_facts(error, binance_details)
    assert facts == ErrorFacts(None, "Timestamp for this request is outside of the recvWindow.", None)
    assert (facts.code, facts.message, facts.status) == tuple(facts)


def test_text_with_status_but_no_body_part() -> None:
    assert error_reply(OSError("HTTP status is 429")) == (429, "HTTP status is 429")


def test_a_round_tripped_rest_request_error_keeps_its_facts() -> None:
    error = pickle.loads(pickle.dumps(rest_error(400, '{"code": -2013, "msg": "Order does not exist."}')))
    assert error_facts(error, binance_details) == ErrorFacts(-2013, "Order does not exist.", 400)


def test_details_decide_where_code_and_message_are() -> None:
    def nested(body: Any) -> tuple[Any, str | None]:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        return error.get("id"), error.get("text")

    error = rest_error(400, '{"error": {"id": "E1", "text": "bad"}, "msg": "ignored"}')
    assert error_facts(error, nested) == ErrorFacts("E1", "bad", 400)
