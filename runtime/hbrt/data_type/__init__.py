"""Data types shared by connectors: enums, order book, orders, fees and trading rules."""
