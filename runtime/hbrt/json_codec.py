"""JSON decoding for everything the runtime receives (websocket frames, REST bodies, gzip'd frames).

Decoding is the largest single cost of a market-data message (a Binance ``depthUpdate`` spends more time in
``json.loads`` than in the book). :func:`loads` decodes with msgspec, about twice as fast as the standard library on
exchange payloads, and gives exactly what ``json.loads`` gives:

* msgspec keeps integers of any size exact (orjson, the other candidate, silently turns integers beyond 64 bits
  into floats, which would corrupt a large id);
* documents msgspec rejects but ``json.loads`` accepts (``NaN``/``Infinity`` literals, numbers beyond the float range,
  lone surrogate escapes) are decoded again by ``json.loads``, so nothing that decoded before fails now, and invalid
  JSON still raises :class:`json.JSONDecodeError` (a ``ValueError``).

``tests/runtime/web/test_json_codec.py`` holds the equivalence on a corpus of edge cases and random documents.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

_decode = msgspec.json.Decoder().decode


def loads(text: str | bytes) -> Any:
    """Decode one JSON document, with the result and the errors of ``json.loads``."""
    try:
        return _decode(text)
    except msgspec.MsgspecError:
        return json.loads(text)


def loads_or_text(text: str) -> Any:
    """What :func:`loads` decodes, or ``text`` itself when it is not JSON (a text frame such as ``pong``).

    One call per websocket text frame instead of a call to :func:`loads` inside a ``try``.
    """
    try:
        return _decode(text)
    except msgspec.MsgspecError:
        try:
            return json.loads(text)
        except ValueError:
            return text
