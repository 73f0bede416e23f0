"""The flood guard's token bucket, in process and shared through Redis by several instances."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.flood import FloodPolicy, FloodVerdict, MemoryFloodLimiter, RedisFloodLimiter
from tests.support import unavailable

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POLICY = FloodPolicy(burst=5, refill_per_s=1.0, notice_every_s=60.0)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_burst_then_one_notice_then_refused_quietly() -> None:
    limiter = MemoryFloodLimiter(POLICY, Clock())
    verdicts = [await limiter.take("webchat:a") for _ in range(20)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False] * 15
    assert [v.notify for v in verdicts].count(True) == 1
    assert verdicts[5] == FloodVerdict(allowed=False, notify=True)


async def test_allowance_refills_with_time_and_the_notice_waits_its_period() -> None:
    clock = Clock()
    limiter = MemoryFloodLimiter(POLICY, clock)
    for _ in range(6):
        await limiter.take("c")
    clock.now += 2.0  # two tokens back
    assert [(await limiter.take("c")).allowed for _ in range(3)] == [True, True, False]
    clock.now += 60.0  # the bucket is full again and a new flood is told again
    verdicts = [await limiter.take("c") for _ in range(6)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    assert verdicts[-1].notify


async def test_chats_have_their_own_buckets() -> None:
    limiter = MemoryFloodLimiter(POLICY, Clock())
    for _ in range(10):
        await limiter.take("telegram:1")
    assert (await limiter.take("telegram:2")).allowed


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError):
        unavailable("Redis at 127.0.0.1:6379")
    yield client
    await client.aclose()


@pytest.mark.redis
async def test_two_instances_share_one_allowance_through_redis(redis: Redis) -> None:
    """A flood spread over two app instances still gets only one burst and one notice."""
    other = Redis.from_url(REDIS_URL)
    prefix = f"test:flood:{uuid.uuid4().hex}:"
    first = RedisFloodLimiter(redis, POLICY, prefix=prefix)
    second = RedisFloodLimiter(other, POLICY, prefix=prefix)
    try:
        verdicts = [await (first if n % 2 else second).take("viber:u") for n in range(20)]
        assert 5 <= [v.allowed for v in verdicts].count(True) <= 6  # a refill may land in between
        assert [v.notify for v in verdicts].count(True) == 1
        assert (await first.take("viber:someone-else")).allowed
        ttl = await redis.ttl(prefix + "viber:u")
        assert 0 < ttl <= POLICY.idle_s  # an idle chat's bucket does not stay in Redis forever
    finally:
        await redis.delete(prefix + "viber:u", prefix + "viber:someone-else")
        await other.aclose()


@pytest.mark.redis
async def test_redis_down_lets_messages_through() -> None:
    """Citizens are not refused because the flood guard's store is unreachable."""
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        assert (await RedisFloodLimiter(unreachable, POLICY).take("webchat:x")).allowed
    finally:
        await unreachable.aclose()
