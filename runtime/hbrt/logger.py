"""Logging helpers: the ``NETWORK`` level and a logger class that speaks it.

Hummingbot connectors log transient network trouble at a custom ``NETWORK`` level (between DEBUG and INFO) so
operators can silence it without hiding real errors. Connector tests compare some of these records exactly.
"""

from __future__ import annotations

import logging
from typing import Any

from hbrt.redaction import REDACTING_FILTER

NETWORK = 14
logging.addLevelName(NETWORK, "NETWORK")


class HummingbotLogger(logging.Logger):
    """A :class:`logging.Logger` with a ``network()`` method for the ``NETWORK`` level."""

    def network(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if self.isEnabledFor(NETWORK):
            self._log(NETWORK, msg, args, **kwargs)


def get_logger(name: str) -> HummingbotLogger:
    """Return the logger called ``name`` as a :class:`HummingbotLogger`, carrying the credential-masking filter
    (:class:`hbrt.redaction.RedactingFilter`), so no record it emits shows a signature, key or token.

    Loggers created before this module was imported get the class changed in place.
    """
    manager = logging.Logger.manager
    existing = manager.loggerDict.get(name)
    if isinstance(existing, logging.Logger):
        return _as_hummingbot_logger(existing)
    previous = manager.loggerClass or logging.getLoggerClass()
    manager.setLoggerClass(HummingbotLogger)
    try:
        logger = logging.getLogger(name)
    finally:
        manager.setLoggerClass(previous)
    return _as_hummingbot_logger(logger)


def _as_hummingbot_logger(logger: logging.Logger) -> HummingbotLogger:
    """``logger`` itself with the credential-masking filter, its class switched to :class:`HummingbotLogger` when it
    was created as another class."""
    if REDACTING_FILTER not in logger.filters:
        logger.addFilter(REDACTING_FILTER)
    if isinstance(logger, HummingbotLogger):
        return logger
    logger.__class__ = HummingbotLogger
    if not isinstance(logger, HummingbotLogger):  # pragma: no cover - the assignment above makes it one
        raise TypeError(f"logger {logger.name!r} could not become a HummingbotLogger")
    return logger
