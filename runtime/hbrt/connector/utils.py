"""Connector helpers: client order ids, trading-pair strings, and re-exports of two common processors.

Client order ids follow Hummingbot's layout — ``<prefix><B|S><base first+last><quote first+last><hex nonce>
<instance id>`` — with one deliberate fix for tight length caps: Hummingbot then replaces the tail with a truncated
MD5 hash, which collides (with a 4-character tail, 1,000 ids already give several collisions). Here the tail keeps
the *low-order digits of the nonce* in base 36 instead. Nonces are strictly increasing within a process, so two ids
from the same process with the same side and pair can only collide if their nonces differ by a multiple of
``36 ** tail_length`` (36**4 ≈ 1.7 million, 36**6 ≈ 2.2 billion): uniqueness is guaranteed, not probable, for every
id generated within that many nonce steps of another.
"""

from __future__ import annotations

import hashlib
import os
import platform
import threading
import time
from collections.abc import Callable
from typing import Any

from hbrt.web_assistant.processors import GZipCompressionWSPostProcessor, TimeSynchronizerRESTPreProcessor

__all__ = [
    "GZipCompressionWSPostProcessor",
    "TimeSynchronizerRESTPreProcessor",
    "combine_to_hb_trading_pair",
    "get_new_client_order_id",
    "get_new_numeric_client_order_id",
    "get_tracking_nonce",
    "split_hb_trading_pair",
]

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"

_nonce_lock = threading.Lock()
_last_nonce = 0
_instance_id: str | None = None


def get_tracking_nonce() -> int:
    """A strictly increasing integer, close to the current time in microseconds; safe across threads and tasks."""
    global _last_nonce
    with _nonce_lock:
        nonce = max(_last_nonce + 1, time.time_ns() // 1000)
        _last_nonce = nonce
        return nonce


def _get_instance_id() -> str:
    """32 hex characters identifying this process (host, pid, parent pid)."""
    global _instance_id
    if _instance_id is None:
        seed = f"{platform.uname()}_{os.getpid()}_{os.getppid()}"
        _instance_id = hashlib.md5(seed.encode("utf-8"), usedforsecurity=False).hexdigest()
    return _instance_id


def _to_base36(value: int) -> str:
    if value == 0:
        return "0"
    digits = []
    while value:
        value, remainder = divmod(value, 36)
        digits.append(_BASE36[remainder])
    return "".join(reversed(digits))


def combine_to_hb_trading_pair(base: str, quote: str) -> str:
    """``"BTC", "USDT"`` -> ``"BTC-USDT"``."""
    return f"{base}-{quote}"


def split_hb_trading_pair(trading_pair: str) -> tuple[str, str]:
    """``"BTC-USDT"`` -> ``("BTC", "USDT")``; raises ValueError unless there is exactly one ``-``."""
    parts = trading_pair.split("-")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise ValueError(f"Invalid trading pair {trading_pair!r}: expected 'BASE-QUOTE'.")
    return parts[0], parts[1]


def get_new_client_order_id(
    is_buy: bool, trading_pair: str, hbot_order_id_prefix: str = "", max_id_len: int | None = None
) -> str:
    """A new client order id, unique within this process and very likely across processes.

    Without ``max_id_len`` the id is ``prefix + side + pair initials + hex(nonce) + instance id`` (``$`` removed).
    With a cap, the head is kept and the tail is cut to fit: if the full hex nonce fits it is kept followed by as
    much of the instance id as fits; otherwise the base-36 nonce (then instance id) if it fits, else the
    low-order base-36 digits of the nonce fill the room (see the module docstring for the guarantee). Raises
    ValueError if the cap leaves no room for at least 4 nonce digits.
    """
    side = "B" if is_buy else "S"
    base, quote = (symbol.upper() for symbol in split_hb_trading_pair(trading_pair))
    head = f"{hbot_order_id_prefix}{side}{base[0]}{base[-1]}{quote[0]}{quote[-1]}".replace("$", "")
    nonce = get_tracking_nonce()
    nonce_hex = format(nonce, "x")
    instance_id = _get_instance_id()
    if max_id_len is None:
        return f"{head}{nonce_hex}{instance_id}"

    room = max_id_len - len(head)
    if room < 4:
        raise ValueError(
            f"max_id_len={max_id_len} leaves {room} characters after {head!r}; at least 4 are needed for a unique id."
        )
    if room >= len(nonce_hex):
        return f"{head}{nonce_hex}{instance_id[: room - len(nonce_hex)]}"
    nonce_b36 = _to_base36(nonce)
    if len(nonce_b36) <= room:
        return f"{head}{nonce_b36}{instance_id[: room - len(nonce_b36)]}"
    return f"{head}{nonce_b36[-room:]}"


def get_new_numeric_client_order_id(
    nonce_creator: Callable[[], int] | Any | None = None, max_id_bit_count: int | None = None
) -> int:
    """A new numeric client order id for exchanges that only accept integers.

    ``nonce_creator`` is a callable returning a strictly increasing int, or an object with a
    ``get_tracking_nonce()`` method (Hummingbot's ``NonceCreator``); by default :func:`get_tracking_nonce`.
    Without a cap the id is the nonce followed by 4 digits of the instance id. With ``max_id_bit_count`` it is the
    nonce's low ``max_id_bit_count`` bits (unique for ids less than ``2 ** max_id_bit_count`` nonce steps apart).
    """
    if nonce_creator is None:
        nonce = get_tracking_nonce()
    elif callable(nonce_creator):
        nonce = int(nonce_creator())
    else:
        nonce = int(nonce_creator.get_tracking_nonce())
    if max_id_bit_count:
        return nonce & ((1 << max_id_bit_count) - 1)
    return nonce * 10_000 + int(_get_instance_id(), 16) % 10_000
