"""Send-rate limits: a token bucket per chat (short bursts allowed) and a cap per second overall.

A reply of two parts, or a notice followed by the answer, goes out at once; only a chat that keeps
receiving is held to the sustained rate (Telegram: about one message per second per chat, 30 per
second overall). In one process the buckets are `aiolimiter` leaky buckets; with Redis they live
in Redis (one GCRA script, Redis' own clock), so several app instances share one budget per chat
and one overall. Redis trouble falls back to the local buckets: a limit, never a failed send.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from aiolimiter import AsyncLimiter
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

KEY_PREFIX = "gospomoshnik:rate:"
_MAX_LOCAL_CHATS = 10_000

# Generic cell rate algorithm: the bucket is the "theoretical arrival time" of the next send.
# Returns 0 when a send may go now (and books it), else the milliseconds to wait.
_GCRA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allowed_at = tat - tolerance
if now < allowed_at then return allowed_at - now end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil(new_tat - now) + 1000)
return 0
"""


class Buckets(Protocol):
    """Where the token buckets live."""

    async def take(self, key: str, per_s: float, burst: int) -> None:
        """Return once one token of bucket `key` (refilled at `per_s`, holding `burst`) is taken."""


class LocalBuckets:
    """Buckets in this process (`aiolimiter`); idle chats are forgotten past 10,000."""

    def __init__(self) -> None:
        self._limiters: dict[str, AsyncLimiter] = {}

    async def take(self, key: str, per_s: float, burst: int) -> None:
        """Wait for a token of the named bucket."""
        limiter = self._limiters.get(key)
        if limiter is None:
            if len(self._limiters) >= _MAX_LOCAL_CHATS:
                self._forget_idle(burst)
            limiter = AsyncLimiter(burst, burst / per_s)
            self._limiters[key] = limiter
        await limiter.acquire()

    def _forget_idle(self, burst: int) -> None:
        for key, limiter in list(self._limiters.items()):
            if limiter.has_capacity(burst):  # a full bucket remembers nothing worth keeping
                del self._limiters[key]


class RedisBuckets:
    """Buckets shared by every instance through Redis; local ones while Redis is unreachable."""

    def __init__(self, redis: Redis) -> None:
        self._script = redis.register_script(_GCRA)
        self._fallback = LocalBuckets()
        self._redis_down = False

    async def take(self, key: str, per_s: float, burst: int) -> None:
        """Wait for a token; the wait is computed by Redis from its own clock."""
        interval_ms = 1000.0 / per_s
        tolerance_ms = interval_ms * (burst - 1)
        while True:
            try:
                wait_ms = float(
                    await self._script(keys=[KEY_PREFIX + key], args=[interval_ms, tolerance_ms])
                )
            except RedisError as exc:
                if not self._redis_down:
                    self._redis_down = True
                    log.warning(
                        "rate limits kept locally: Redis unreachable",
                        extra={"reason": type(exc).__name__},
                    )
                await self._fallback.take(key, per_s, burst)
                return
            if self._redis_down:
                self._redis_down = False
                log.info("rate limits shared through Redis again")
            if wait_ms <= 0:
                return
            await asyncio.sleep(wait_ms / 1000)


class SendRateLimiter:
    """Per chat: `chat_burst` messages at once, then `chat_per_s`; overall: `per_second`.

    Call `wait(chat_id)` right before each send. `channel` names the buckets, so Telegram and
    Viber budgets never mix when they share Redis.
    """

    def __init__(
        self,
        *,
        channel: str = "telegram",
        chat_burst: int = 3,
        chat_per_s: float = 1.0,
        per_second: float = 30.0,
        buckets: Buckets | None = None,
    ) -> None:
        self._channel = channel
        self._burst = max(1, chat_burst)
        self._chat_rate = chat_per_s
        self._rate = per_second
        self._buckets: Buckets = buckets if buckets is not None else LocalBuckets()

    async def wait(self, chat_id: str) -> None:
        """Return when a message to `chat_id` may be sent."""
        await self._buckets.take(f"{self._channel}:chat:{chat_id}", self._chat_rate, self._burst)
        # overall: evenly spaced, so no one-second window ever holds more than `per_second`
        await self._buckets.take(f"{self._channel}:all", self._rate, 1)
