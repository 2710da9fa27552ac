"""URL builders, the web-assistants factory and the server-time request of Fakex."""

from __future__ import annotations

from typing import Any

from hbrt.api_throttler.async_throttler import AsyncThrottler
from hbrt.time_synchronizer import TimeSynchronizer
from hbrt.web_assistant.auth import AuthBase
from hbrt.web_assistant.connections.data_types import RESTMethod
from hbrt.web_assistant.processors import TimeSynchronizerRESTPreProcessor
from hbrt.web_assistant.web_assistants_factory import WebAssistantsFactory

from fakex import fakex_constants as CONSTANTS


def public_rest_url(path_url: str, domain: str = CONSTANTS.DEFAULT_DOMAIN) -> str:
    return CONSTANTS.REST_URLS[domain] + path_url


def private_rest_url(path_url: str, domain: str = CONSTANTS.DEFAULT_DOMAIN) -> str:
    return CONSTANTS.REST_URLS[domain] + path_url


def wss_url(domain: str = CONSTANTS.DEFAULT_DOMAIN) -> str:
    return CONSTANTS.WSS_URLS[domain]


def private_wss_url(domain: str = CONSTANTS.DEFAULT_DOMAIN) -> str:
    return CONSTANTS.WSS_PRIVATE_URLS[domain]


def build_api_factory(
    throttler: AsyncThrottler,
    time_synchronizer: TimeSynchronizer,
    domain: str = CONSTANTS.DEFAULT_DOMAIN,
    auth: AuthBase | None = None,
) -> WebAssistantsFactory:
    """Factory whose REST requests first make sure the clock holds a server-time sample."""
    return WebAssistantsFactory(
        throttler=throttler,
        auth=auth,
        rest_pre_processors=[
            TimeSynchronizerRESTPreProcessor(
                synchronizer=time_synchronizer,
                time_provider=lambda: get_current_server_time(throttler=throttler, domain=domain),
            )
        ],
    )


async def get_current_server_time(
    throttler: AsyncThrottler | None = None, domain: str = CONSTANTS.DEFAULT_DOMAIN
) -> float:
    """Server time in milliseconds, fetched with a short-lived factory (closed afterwards)."""
    throttler = throttler or AsyncThrottler(CONSTANTS.RATE_LIMITS)
    async with WebAssistantsFactory(throttler=throttler) as factory:
        rest_assistant = await factory.get_rest_assistant()
        response: Any = await rest_assistant.execute_request(
            url=public_rest_url(CONSTANTS.SERVER_TIME_PATH_URL, domain=domain),
            method=RESTMethod.GET,
            throttler_limit_id=CONSTANTS.SERVER_TIME_PATH_URL,
        )
    return float(response["serverTime"])
