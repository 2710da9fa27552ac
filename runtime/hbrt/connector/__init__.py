"""Connector building blocks: the order tracker, client order ids and (soon) ``ExchangePyBase``."""
