"""hbrt: the shared runtime library that every hbgen-generated connector runs on.

Public names follow Hummingbot's (``WebAssistantsFactory``, ``AsyncThrottler``, ``ExchangePyBase`` ...) so that a
Hummingbot contributor recognises them; the implementation is our own.
"""

__version__ = "0.1.0"
