"""Cross-instance wake-ups over Redis pub/sub.

Every instance polls its inbox and outbox anyway, so a lost wake-up only costs one poll
interval; with `REDIS_URL` set, new work on one instance wakes the workers of all of them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "gospomoshnik:wake:"


class Wakeable(Protocol):
    """Anything a wake-up can be delivered to (an asyncio.Event, a Pulse)."""

    def set(self) -> None:
        """Deliver the wake-up."""


class Pulse:
    """A wake-up for many watchers at once: nobody consumes it from the others.

    `set()` wakes everyone waiting now and counts a generation; a watcher that was busy when
    it happened sees the generation moved on and does not wait at all.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.generation = 0

    def set(self) -> None:
        """Wake every current waiter."""
        self.generation += 1
        self._event.set()
        self._event = asyncio.Event()

    async def wait_after(self, seen: int, timeout_s: float) -> int:
        """Return the generation once it is past `seen`, or after `timeout_s` anyway."""
        if self.generation == seen:
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout_s)
        return self.generation


class RedisWakeups:
    """Publishes and relays named wake-ups (`inbox`, `outbox`) between instances."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._events: dict[str, list[Wakeable]] = {}

    def subscribe(self, name: str, event: Wakeable) -> None:
        """Set `event` whenever any instance publishes `name`."""
        self._events.setdefault(name, []).append(event)

    async def publish(self, name: str) -> None:
        """Wake every instance's workers for `name`; Redis trouble never fails the caller."""
        try:
            await self._redis.publish(CHANNEL_PREFIX + name, b"1")
        except RedisError as exc:
            log.warning("wake-up not published", extra={"reason": type(exc).__name__})

    async def relay_forever(self, ready: asyncio.Event | None = None) -> None:
        """Listen for wake-ups and set the subscribed events; reconnect after errors."""
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(*(CHANNEL_PREFIX + name for name in self._events))
                    if ready is not None:
                        ready.set()
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        channel = message["channel"]
                        name = (channel.decode() if isinstance(channel, bytes) else channel)[
                            len(CHANNEL_PREFIX) :
                        ]
                        for event in self._events.get(name, ()):
                            event.set()
            except RedisError as exc:
                log.warning("wake-up relay lost Redis", extra={"reason": type(exc).__name__})
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(1)
