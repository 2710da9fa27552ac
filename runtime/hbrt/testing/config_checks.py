"""Checks every generated connector's utils tests share: a config map keeps its secrets out of sight."""

from __future__ import annotations

import unittest
from collections.abc import Mapping
from typing import Any

from hbrt.connector.config import ConnectorConfig, SecretStr


def assert_config_masks_secrets(
    test: unittest.TestCase, config_type: type[ConnectorConfig], values: Mapping[str, Any]
) -> ConnectorConfig:
    """Build ``config_type(**values)`` and check that every secure field is a :class:`SecretStr` that neither the
    config's ``repr`` nor the field's ``str`` reveals, and that the constructor kwargs give the values back.
    Returns the config for further checks."""
    config = config_type(**values)
    for name in config.secure_fields():
        test.assertIsInstance(getattr(config, name), SecretStr, name)
        test.assertNotIn(str(values[name]), repr(config), name)
        test.assertNotIn(str(values[name]), str(getattr(config, name)), name)
    test.assertEqual(dict(values), config.to_constructor_kwargs())
    return config
