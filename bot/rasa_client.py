"""HTTP client of the Rasa server: one turn through the app channel, and the tracker API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, overloaded): the turn must be retried later."""


@dataclass(frozen=True)
class RasaTurn:
    """What Rasa made of one citizen message."""

    messages: list[dict[str, Any]]
    intent: str | None = None
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)


class RasaClient:
    """Talks to Rasa's `nlu.channel.AppInput` channel and its HTTP API, authenticated by token."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, token: str, timeout_s: float):
        self._http = http
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def turn(
        self, sender: str, message: str, message_id: str, metadata: dict[str, Any]
    ) -> RasaTurn:
        """Send one message; raise RasaUnavailable on connection errors, timeouts and 5xx."""
        body = await self._post(
            "/webhooks/app/webhook",
            {"sender": sender, "message": message, "message_id": message_id, "metadata": metadata},
        )
        intent = body.get("intent") or {}
        return RasaTurn(
            messages=list(body.get("messages") or []),
            intent=intent.get("name"),
            confidence=intent.get("confidence"),
            entities=list(body.get("entities") or []),
        )

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """Append events (`pause`, `resume`...) to the sender's tracker through Rasa's HTTP API.

        Raises RasaUnavailable when Rasa is down or refuses, so callers can retry later.
        """
        url = f"{self._base}/conversations/{quote(sender, safe='')}/tracker/events"
        params = {"token": self._token, "include_events": "NONE"}
        try:
            async with self._http.post(
                url, json=events, params=params, timeout=self._timeout
            ) as response:
                if response.status != 200:
                    raise RasaUnavailable(f"tracker events answered {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc

    async def is_ready(self) -> bool:
        """True when Rasa answers and has a model loaded."""
        try:
            async with self._http.get(
                f"{self._base}/status",
                params={"token": self._token},
                timeout=aiohttp.ClientTimeout(total=3),
            ) as response:
                if response.status != 200:
                    return False
                status = await response.json()
                return bool(status.get("model_file"))
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = f"{self._base}{path}"
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with self._http.post(
                url, json=payload, headers=headers, timeout=self._timeout
            ) as response:
                if response.status >= 500 or response.status in (404, 409, 503):
                    raise RasaUnavailable(f"rasa answered {response.status}")
                response.raise_for_status()
                body = await response.json()
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        return body if isinstance(body, dict) else {"messages": body}
