"""Fakex: a tiny made-up exchange used to prove ``ExchangePyBase`` and the shared connector suite.

It exists only under ``tests/``; no real exchange answers to these URLs.
"""
