"""With Redis, a message accepted on one instance wakes the router of another at once."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.inbox import Inbox
from bot.messages import InboundMessage
from bot.wakeups import Pulse, RedisWakeups
from tests.support import unavailable

pytestmark = pytest.mark.redis
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError):
        unavailable("Redis at 127.0.0.1:6379")
    yield client
    await client.aclose()


async def test_accept_on_one_instance_wakes_the_other(
    redis: Redis, sessions: async_sessionmaker[AsyncSession]
) -> None:
    other_client = Redis.from_url(REDIS_URL)
    sender_side, receiver_side = RedisWakeups(redis), RedisWakeups(other_client)
    inbox = Inbox(sessions, lambda: sender_side.publish("inbox"))
    other_instance_arrived = asyncio.Event()
    receiver_side.subscribe("inbox", other_instance_arrived)
    subscribed = asyncio.Event()
    relay = asyncio.create_task(receiver_side.relay_forever(subscribed))
    try:
        await asyncio.wait_for(subscribed.wait(), 5)
        message = InboundMessage(
            channel="webchat", chat_id="c", user_id="c", external_id="w1", text="привет"
        )
        assert await inbox.accept(message)
        await asyncio.wait_for(other_instance_arrived.wait(), 5)
        other_instance_arrived.clear()
        assert not await inbox.accept(message)  # a duplicate wakes nobody
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(other_instance_arrived.wait(), 0.5)
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        await other_client.aclose()


async def test_a_pulse_wakes_every_watcher_and_none_consumes_it() -> None:
    pulse = Pulse()
    seen = pulse.generation
    watchers = [asyncio.create_task(pulse.wait_after(seen, 5)) for _ in range(3)]
    await asyncio.sleep(0)
    pulse.set()
    assert await asyncio.gather(*watchers) == [seen + 1] * 3
    # a watcher that was busy when it happened does not wait at all
    assert await asyncio.wait_for(pulse.wait_after(seen, 5), 0.5) == seen + 1
    # and one that has seen everything waits for the next pulse (here: the timeout)
    assert await pulse.wait_after(pulse.generation, 0.05) == seen + 1
