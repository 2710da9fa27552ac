"""hbrt.json_codec.loads gives exactly what json.loads gives: the same values, the same errors."""

from __future__ import annotations

import json
import math
import random
import struct
import unittest
from typing import Any

from hbrt import json_codec

EDGE_CASES = [
    '{"a": 1, "a": 2}',  # duplicate keys: the last wins
    "[NaN, Infinity, -Infinity]",  # accepted by json.loads only (msgspec rejects them: the fallback decodes)
    "[1e400, -1e400, 1e-400]",  # beyond the float range
    "[123456789012345678901234567890, -123456789012345678901234567890]",  # beyond 64 bits: must stay exact
    "[18446744073709551615, 18446744073709551616, -9223372036854775808, -9223372036854775809]",
    "[-0, -0.0, 1.0, 1E2, 0.1e1, 0.30000000000000004, 1.7976931348623157e308, 5e-324]",
    '["\\u00e9", "\\ud83d\\ude00", "\\/", "\\u0000", "\\ud800"]',  # escapes, a surrogate pair, a lone surrogate
    " [1] ",
    '{"e":"depthUpdate","E":1700000000000,"s":"BTCUSDT","U":1,"u":2,"b":[["30000.00","0.5"]],"a":[]}',
    "null",
    "true",
    '""',
]
INVALID = ['"a\x01b"', "[1] x", "[01]", '{"a":1,}', "[-]", "", "{", "[1,]", "'a'"]


def outcome(text: str, decode: Any) -> Any:
    try:
        return ("ok", decode(text))
    except json.JSONDecodeError as exc:
        return ("error", type(exc))


def same(a: Any, b: Any) -> bool:
    """Equality that also holds for NaN and tells int from float (1 == 1.0 but a big int must not become a float)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


class JsonCodecTest(unittest.TestCase):
    def assert_like_json(self, text: str) -> None:
        ours, theirs = outcome(text, json_codec.loads), outcome(text, json.loads)
        self.assertEqual(ours[0], theirs[0], text)
        self.assertTrue(same(ours[1], theirs[1]), f"{text!r}: {ours[1]!r} != {theirs[1]!r}")

    def test_edge_cases_decode_as_json_loads_does(self) -> None:
        for text in EDGE_CASES:
            with self.subTest(text=text):
                self.assert_like_json(text)
        self.assertEqual(json_codec.loads("[123456789012345678901234567890]"), [123456789012345678901234567890])
        self.assertEqual(json_codec.loads(b'{"a": [1]}'), {"a": [1]})

    def test_invalid_documents_raise_json_decode_error(self) -> None:
        for text in INVALID:
            with self.subTest(text=text), self.assertRaises(json.JSONDecodeError):
                json_codec.loads(text)

    def test_loads_or_text_is_loads_or_the_text_itself(self) -> None:
        for text in EDGE_CASES:
            with self.subTest(text=text):
                kind, value = outcome(text, json.loads)
                got = json_codec.loads_or_text(text)
                self.assertTrue(same(got, value) if kind == "ok" else got is text, f"{text!r}: {got!r}")
        for text in INVALID:
            with self.subTest(text=text):
                self.assertIs(text, json_codec.loads_or_text(text))

    def test_random_floats_and_documents(self) -> None:
        rnd = random.Random(7)
        for _ in range(3000):
            bits = struct.unpack("d", struct.pack("Q", rnd.getrandbits(64)))[0]
            if math.isfinite(bits):
                scaled = rnd.random() * 10 ** rnd.randint(-9, 20)
                for text in (repr(bits), f"{bits:.17g}", f"{scaled:.{rnd.randint(0, 19)}f}"):
                    self.assert_like_json(f"[{text}]")
        for _ in range(300):
            self.assert_like_json(json.dumps(random_value(rnd, 4)))


def random_value(rnd: random.Random, depth: int) -> Any:
    kind = rnd.randrange(7 if depth else 5)
    if kind == 0:
        return rnd.randint(-(2**70), 2**70)
    if kind == 1:
        return rnd.uniform(-1e6, 1e6)
    if kind == 2:
        return "".join(
            chr(rnd.choice([rnd.randint(32, 126), rnd.randint(160, 0x2FFF)])) for _ in range(rnd.randint(0, 8))
        )
    if kind == 3:
        return rnd.choice([True, False, None])
    if kind == 4:
        return f"{rnd.randint(0, 10**9) / 10 ** rnd.randint(0, 8):.8f}"
    if kind == 5:
        return [random_value(rnd, depth - 1) for _ in range(rnd.randint(0, 4))]
    return {f"k{rnd.randint(0, 9)}": random_value(rnd, depth - 1) for _ in range(rnd.randint(0, 4))}


if __name__ == "__main__":
    unittest.main()
