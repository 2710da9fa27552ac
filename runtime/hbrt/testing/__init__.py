"""Test support shared by runtime tests and generated connector tests."""

from hbrt.testing.network_mocking_assistant import MockWebsocketClientSession, NetworkMockingAssistant

__all__ = ["MockWebsocketClientSession", "NetworkMockingAssistant"]
