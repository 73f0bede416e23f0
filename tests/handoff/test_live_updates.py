"""With Redis, a change made on one instance wakes the handoff views of another at once."""

from __future__ import annotations

import asyncio
import contextlib
import os
from functools import partial

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.storage import session_scope
from bot.wakeups import RedisWakeups
from handoff.service import HandoffService
from tests.handoff.conftest import Parts, add_operator, request_operator
from tests.support import unavailable

pytestmark = pytest.mark.redis
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def test_take_on_one_instance_sets_changed_on_the_other(parts: Parts) -> None:
    publisher, listener = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    try:
        await publisher.ping()
    except (RedisError, OSError):
        unavailable("Redis at 127.0.0.1:6379")
    here, there = RedisWakeups(publisher), RedisWakeups(listener)
    service = HandoffService(
        parts.sessions,
        parts.inbox,
        parts.outbox,
        parts.rasa_client,
        parts.service.config,
        clock=parts.clock,
        announce=partial(here.publish, "handoff"),
    )
    other_instance_changed = asyncio.Event()
    there.subscribe("handoff", other_instance_changed)
    subscribed = asyncio.Event()
    relay = asyncio.create_task(there.relay_forever(subscribed))
    try:
        await asyncio.wait_for(subscribed.wait(), 5)
        operator = await add_operator(parts.sessions, "a", ["access"])
        await request_operator(parts, "1")
        async with session_scope(parts.sessions) as session:
            chat = await service.desk.take_next(session, operator)
        assert chat is not None
        await asyncio.wait_for(other_instance_changed.wait(), 5)
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        await service.settle()
        await publisher.aclose()
        await listener.aclose()
