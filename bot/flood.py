"""Per-chat flood guard for inbound messages: a token bucket, shared through Redis when it runs.

Every chat may send `burst` messages at once and then one per `1 / refill_per_s` seconds. A
message over that allowance is not a Rasa turn; the first one over it (and then at most one every
`notice_every_s`) earns the citizen a polite "slow down" notice. With several app instances the
buckets live in Redis (one atomic Lua script, Redis' own clock), otherwise in this process.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import InboundMessage, OutboundMessage
from bot.outbox import Outbox
from bot.texts import text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FloodVerdict:
    """What to do with one inbound message: queue it as a turn; tell the citizen to slow down."""

    allowed: bool
    notify: bool = False


ALLOWED = FloodVerdict(allowed=True)


@dataclass(frozen=True)
class FloodPolicy:
    """The size of a chat's allowance, its refill rate and how often a flooder is told."""

    burst: int = 6
    refill_per_s: float = 1.0
    notice_every_s: float = 60.0

    @property
    def idle_s(self) -> int:
        """After this long without messages a chat's bucket is full again and can be forgotten."""
        return math.ceil(self.burst / self.refill_per_s + self.notice_every_s) + 1


class FloodLimiter(Protocol):
    """Decides, per chat, whether one more inbound message is a turn."""

    async def take(self, key: str) -> FloodVerdict:
        """Spend one message of `key`'s allowance (or refuse it)."""
        ...


@dataclass
class _Bucket:
    tokens: float
    at: float
    noticed: float


class MemoryFloodLimiter:
    """The buckets in this process: right for one app instance (the default set-up)."""

    def __init__(self, policy: FloodPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self._policy = policy
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    async def take(self, key: str) -> FloodVerdict:
        """Spend one token of the chat's bucket; refuse (and maybe notify) when it is empty."""
        now = self._clock()
        if len(self._buckets) > 10_000:
            self._forget_idle(now)
        policy = self._policy
        bucket = self._buckets.setdefault(
            key, _Bucket(tokens=policy.burst, at=now, noticed=-math.inf)
        )
        bucket.tokens = min(policy.burst, bucket.tokens + (now - bucket.at) * policy.refill_per_s)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return ALLOWED
        if now - bucket.noticed >= policy.notice_every_s:
            bucket.noticed = now
            return FloodVerdict(allowed=False, notify=True)
        return FloodVerdict(allowed=False)

    def _forget_idle(self, now: float) -> None:
        idle = self._policy.idle_s
        for key, bucket in list(self._buckets.items()):
            if now - bucket.at > idle:
                del self._buckets[key]


# Redis' own clock (TIME) keeps instances with skewed clocks consistent; the whole read-modify-
# write runs atomically inside Redis, so two instances never both spend the last token.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local every = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'noticed')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
local noticed = tonumber(state[3]) or 0
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local notify = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
elseif now - noticed >= every then
  noticed = now
  notify = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now),
           'noticed', tostring(noticed))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {allowed, notify}
"""


class RedisFloodLimiter:
    """The buckets in Redis, shared by every app instance; fails open if Redis does not answer."""

    def __init__(self, redis: Redis, policy: FloodPolicy, prefix: str = "gp:flood:") -> None:
        self._policy = policy
        self._prefix = prefix
        self._script = redis.register_script(_TAKE)

    async def take(self, key: str) -> FloodVerdict:
        """Spend one token of the chat's shared bucket."""
        policy = self._policy
        try:
            allowed, notify = await self._script(
                keys=[self._prefix + key],
                args=[policy.burst, policy.refill_per_s, policy.notice_every_s, policy.idle_s],
            )
        except RedisError as exc:
            # losing the flood guard for a moment is better than refusing every citizen
            log.warning("flood guard unavailable, message let through", extra={"error": str(exc)})
            return ALLOWED
        return FloodVerdict(allowed=bool(allowed), notify=bool(notify))


def create_flood_limiter(policy: FloodPolicy, redis: Redis | None) -> FloodLimiter:
    """Redis-backed when the app has Redis (several instances), in-process otherwise."""
    if redis is not None:
        return RedisFloodLimiter(redis, policy)
    return MemoryFloodLimiter(policy)


class OutboxFloodNotice:
    """Queues the locale's `flood_notice` to the flooding chat (once per flood, see the limiter)."""

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def __call__(self, session: AsyncSession, message: InboundMessage) -> None:
        """Add the notice to the outbox in the inbox's transaction."""
        await self._outbox.reply_to(
            session,
            message,
            OutboundMessage(text=text("flood_notice")),
            f"flood:{message.channel}:{message.external_id}"[:200],
        )
