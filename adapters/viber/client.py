"""The Viber REST API over aiohttp (the SDK's own client is blocking `requests`).

Every call maps Viber's answer to the outbox's vocabulary: `RetryLater` for what may pass
(HTTP 429/5xx, network, status 12 "too many requests", account-level problems an operator can
fix), `DeliveryFailed` for what will not (receiver not subscribed or not on Viber, a bad request).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp

from bot.delivery import DeliveryFailed, RetryLater

log = logging.getLogger(__name__)

AUTH_HEADER = "X-Viber-Auth-Token"
TOO_MANY_REQUESTS = 12
RECEIVER_GONE = frozenset({5, 6, 11})  # not registered, not subscribed, no suitable device
# bad token, account blocked / not found / suspended, no webhook: fixable by an operator
ACCOUNT_PROBLEM = frozenset({2, 7, 8, 9, 10})
EVENT_TYPES = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]


class ViberApi:
    """Calls `<api_url>/<endpoint>` with the auth token header; one lazily made HTTP session."""

    def __init__(self, token: str, api_url: str, *, timeout_s: float = 10.0) -> None:
        self._token = token
        self.api_url = api_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST one request; returns Viber's answer when its status is 0, raises otherwise."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        # ensure_ascii=False: Cyrillic as UTF-8 keeps a 7,000-character text under Viber's 30 KB
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = {AUTH_HEADER: self._token, "Content-Type": "application/json"}
        try:
            async with self._session.post(
                f"{self.api_url}/{endpoint}", data=data, headers=headers
            ) as response:
                if response.status == 429:
                    raise RetryLater("viber http 429", _retry_after(response))
                if response.status >= 500:
                    raise RetryLater(f"viber http {response.status}")
                if response.status != 200:
                    raise DeliveryFailed(f"viber http {response.status}")
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RetryLater(f"viber network: {type(exc).__name__}") from exc
        except ValueError as exc:
            raise RetryLater("viber answered something that is not JSON") from exc
        if not isinstance(answer, dict):
            raise RetryLater("viber answered something that is not a JSON object")
        return _checked(answer)

    async def send_message(self, body: dict[str, Any]) -> str | None:
        """Send one message; its `message_token` (for delivery receipts)."""
        answer = await self.call("send_message", body)
        token = answer.get("message_token")
        return str(token) if token is not None else None

    async def set_webhook(
        self, url: str, *, send_name: bool = True, send_photo: bool = False
    ) -> None:
        """Point Viber at our webhook; Viber calls it back (event `webhook`) before answering."""
        await self.call(
            "set_webhook",
            {
                "url": url,
                "event_types": EVENT_TYPES,
                "send_name": send_name,
                "send_photo": send_photo,
            },
        )

    async def get_account_info(self) -> dict[str, Any]:
        """The bot account's details (name, webhook, subscribers count...)."""
        return await self.call("get_account_info", {})


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _checked(answer: dict[str, Any]) -> dict[str, Any]:
    status = answer.get("status")
    if status == 0:
        return answer
    message = str(answer.get("status_message", ""))[:100]
    reason = f"viber status {status}: {message}"
    if status == TOO_MANY_REQUESTS:
        raise RetryLater(reason)
    if status in RECEIVER_GONE:
        raise DeliveryFailed(reason)
    if status in ACCOUNT_PROBLEM:
        log.error("viber account problem", extra={"status": status, "status_message": message})
        raise RetryLater(reason)
    raise DeliveryFailed(reason)
