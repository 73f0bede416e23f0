"""HTTP client of the Rasa servers: one turn through the app channel, and the tracker API.

Several Rasa instances may serve the same model on one shared tracker store (PostgreSQL) and
lock store (Redis): turns go round-robin over the instances that answer. An instance that
refuses connections or answers 5xx is taken out of the rotation at once and put back by the
health monitor when its `/status` shows a model again. A 503 for a custom action that could
not run says nothing about the instance, so it stays in.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

log = logging.getLogger(__name__)
HEALTH_TIMEOUT = aiohttp.ClientTimeout(total=3)
# What `rasa_server.channel.AppInput` names in a 503 when every Rasa instance shares the fault.
SHARED_DEPENDENCIES = ("action_server", "tracker_store")


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, overloaded) or a custom action of the turn could
    not run: the turn must be retried later."""


@dataclass(frozen=True)
class RasaTurn:
    """What Rasa made of one citizen message."""

    messages: list[dict[str, Any]]
    intent: str | None = None
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RasaInstance:
    """One Rasa server, whether it is in the rotation, and how many turns it answered."""

    url: str
    up: bool = True
    answered: int = 0


class _InstanceDown(Exception):
    """This instance failed; another one may serve the request."""


class RasaClient:
    """Talks to Rasa's `rasa_server.channel.AppInput` and its HTTP API, authenticated by token."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_urls: str | list[str],
        token: str,
        timeout_s: float,
        *,
        action_server_url: str | None = None,
    ) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else base_urls
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self._http = http
        self.instances = [RasaInstance(url.rstrip("/")) for url in urls]
        self._next = itertools.cycle(range(len(self.instances)))
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._actions = action_server_url.rstrip("/") if action_server_url else None

    def use(self, urls: list[str]) -> None:
        """Send the next turns to these instances (a blue/green switch, `publishing.follow`);
        turns already sent to the old ones finish there."""
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self.instances = [RasaInstance(url.rstrip("/")) for url in urls]
        self._next = itertools.cycle(range(len(self.instances)))

    async def turn(
        self, sender: str, message: str, message_id: str, metadata: dict[str, Any]
    ) -> RasaTurn:
        """Send one message; raise RasaUnavailable when no instance could run the whole turn.

        Trying the next instance after one failed is safe: a turn an instance did save is
        answered from its tracker by `message_id`, never run twice.
        """
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
        path = f"/conversations/{quote(sender, safe='')}/tracker/events"
        params = {"token": self._token, "include_events": "NONE"}
        for instance in self._candidates():
            try:
                async with self._http.post(
                    instance.url + path, json=events, params=params, timeout=self._timeout
                ) as response:
                    if response.status >= 500:
                        self._take_out(instance, f"answered {response.status}")
                        continue
                    if response.status != 200:
                        raise RasaUnavailable(f"tracker events answered {response.status}")
                    return
            except aiohttp.ClientConnectionError as exc:
                self._take_out(instance, type(exc).__name__)
            except TimeoutError as exc:
                raise RasaUnavailable("TimeoutError") from exc
        raise RasaUnavailable("no rasa instance answered")

    async def is_ready(self) -> bool:
        """True when a Rasa instance has a model loaded and the action server answers."""
        ready = await self.probe()
        return ready["rasa"] and ready["actions"]

    async def probe(self) -> dict[str, bool]:
        """Ask every instance and the action server now; refreshes the rotation."""
        states = await asyncio.gather(*(self._check(instance) for instance in self.instances))
        actions = await self._actions_ready()
        return {"rasa": any(states), "actions": actions}

    async def monitor_forever(self, interval_s: float) -> None:
        """Put instances back into (or out of) the rotation by their health, every interval."""
        while True:
            with contextlib.suppress(Exception):
                await asyncio.gather(*(self._check(instance) for instance in self.instances))
            await asyncio.sleep(interval_s)

    async def _check(self, instance: RasaInstance) -> bool:
        ready = await self._has_model(instance)
        if ready and not instance.up:
            log.info("rasa instance back in rotation", extra={"rasa": instance.url})
        elif not ready and instance.up:
            self._take_out(instance, "status check failed")
        instance.up = ready
        return ready

    async def _has_model(self, instance: RasaInstance) -> bool:
        try:
            async with self._http.get(
                f"{instance.url}/status", params={"token": self._token}, timeout=HEALTH_TIMEOUT
            ) as response:
                if response.status != 200:
                    return False
                status = await response.json()
                return bool(status.get("model_file"))
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return False

    async def _actions_ready(self) -> bool:
        if self._actions is None:
            return True
        try:
            async with self._http.get(
                f"{self._actions}/health", timeout=HEALTH_TIMEOUT
            ) as response:
                return response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    def _candidates(self) -> list[RasaInstance]:
        """The instances in rotation, starting at the next in turn; all of them when none is
        (the health view may be a few seconds old)."""
        start = next(self._next)
        ordered = self.instances[start:] + self.instances[:start]
        return [i for i in ordered if i.up] or ordered

    def _take_out(self, instance: RasaInstance, reason: str) -> None:
        if instance.up:
            log.warning(
                "rasa instance taken out of rotation",
                extra={"rasa": instance.url, "reason": reason},
            )
        instance.up = False

    async def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token}"}
        for instance in self._candidates():
            try:
                body = await self._post_to(instance, path, payload, headers)
            except _InstanceDown as exc:
                self._take_out(instance, str(exc))
                continue
            instance.answered += 1
            return body
        raise RasaUnavailable("no rasa instance answered")

    async def _post_to(
        self, instance: RasaInstance, path: str, payload: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        try:
            async with self._http.post(
                instance.url + path, json=payload, headers=headers, timeout=self._timeout
            ) as response:
                if response.status == 503:
                    body = await _json_or_none(response)
                    missing = body.get("unavailable") if isinstance(body, dict) else None
                    if missing in SHARED_DEPENDENCIES:
                        # the instance is fine; what every instance shares is not
                        raise RasaUnavailable(f"rasa: {missing} unavailable")
                    raise _InstanceDown("answered 503")
                if response.status >= 500 or response.status in (404, 409):
                    raise _InstanceDown(f"answered {response.status}")
                response.raise_for_status()
                body = await response.json()
        except aiohttp.ClientConnectionError as exc:
            raise _InstanceDown(type(exc).__name__) from exc
        except TimeoutError as exc:
            # a slow turn (e.g. a hanging action) is no proof the instance is down
            raise RasaUnavailable("TimeoutError") from exc
        return body if isinstance(body, dict) else {"messages": body}


async def _json_or_none(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return None
