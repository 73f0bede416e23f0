"""Telegram's limits and the typing indicator, measured in the fake Bot API's own clock."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.ratelimit import RedisBuckets, SendRateLimiter
from adapters.telegram import CallbackRegistry, TelegramSender, TelegramWebhook
from adapters.telegram.typing import TypingIndicator
from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.delivery import Delivery
from bot.inbox import Inbox
from bot.messages import OutboundMessage
from tests.adapters.fake_telegram import FakeTelegram
from tests.adapters.test_telegram_polling import text_update
from tests.support import free_port, unavailable

SECRET = "typing-secret"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_url() -> str:
    """The machine's Redis (tests fail under CI when it is missing)."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError):
        unavailable("Redis at 127.0.0.1:6379")
    finally:
        await client.aclose()
    return REDIS_URL


def times(fake: FakeTelegram, chat_id: str, method: str = "sendMessage") -> list[float]:
    return [c.at for c in fake.calls if c.method == method and c.params["chat_id"] == chat_id]


async def test_a_reply_right_after_the_last_goes_at_once_then_the_chat_rate_applies(
    bot: Bot, callbacks: CallbackRegistry, fake_telegram: FakeTelegram
) -> None:
    """Regression: a second message to a chat right after a reply used to wait 1.001 s."""
    sender = TelegramSender(bot, callbacks, limiter=SendRateLimiter(chat_burst=3, chat_per_s=1))
    long_text = "Первое предложение. " * 400  # two parts to one chat
    await asyncio.gather(
        sender.send("111", OutboundMessage(text=long_text), Delivery(1, 1, 1)),
        sender.send("111", OutboundMessage(text="и ещё"), Delivery(2, 2, 1)),
        sender.send("222", OutboundMessage(text="другой чат"), Delivery(3, 3, 1)),
    )
    first = times(fake_telegram, "111")
    assert len(first) == 3
    assert first[-1] - first[0] < 0.5  # a burst of three goes out at once
    await sender.send("111", OutboundMessage(text="четвёртое"), Delivery(4, 4, 1))
    fourth = times(fake_telegram, "111")[-1]
    assert fourth - first[0] >= 0.9  # the bucket is empty: the sustained rate applies
    (other,) = times(fake_telegram, "222")
    assert other - first[0] < 0.5  # another chat does not wait for this one


async def test_a_chat_that_keeps_receiving_gets_one_message_per_second() -> None:
    limiter = SendRateLimiter(chat_burst=2, chat_per_s=4)
    loop = asyncio.get_running_loop()
    start = loop.time()
    stamps = []
    for _ in range(6):
        await limiter.wait("111")
        stamps.append(loop.time() - start)
    assert stamps[1] < 0.1  # the burst
    assert stamps[-1] >= 0.9  # then 4 per second: four more take about a second


async def test_chats_share_one_budget_through_redis(redis_url: str) -> None:
    """Two app instances (two limiters on one Redis) give a chat one budget, not two."""
    clients = [Redis.from_url(redis_url), Redis.from_url(redis_url)]
    chat = uuid.uuid4().hex
    try:
        limiters = [
            SendRateLimiter(chat_burst=2, chat_per_s=2, buckets=RedisBuckets(client))
            for client in clients
        ]
        loop = asyncio.get_running_loop()
        start = loop.time()
        stamps = []
        for index in range(6):
            await limiters[index % 2].wait(chat)
            stamps.append(loop.time() - start)
        assert stamps[1] < 0.2  # a burst of two at once
        assert stamps[-1] >= 1.8  # then 2 per second across both instances: 4 more take 2 s
    finally:
        for client in clients:
            await client.aclose()


async def test_redis_unreachable_keeps_limiting_locally() -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{free_port()}", socket_connect_timeout=0.2)
    try:
        limiter = SendRateLimiter(chat_burst=1, chat_per_s=5, buckets=RedisBuckets(client))
        loop = asyncio.get_running_loop()
        start = loop.time()
        for _ in range(3):
            await limiter.wait("111")
        assert loop.time() - start >= 0.35  # still 5 per second
    finally:
        await client.aclose()


async def test_overall_rate_is_capped() -> None:
    limiter = SendRateLimiter(per_second=10)
    loop = asyncio.get_running_loop()
    start = loop.time()
    stamps: list[float] = []

    async def one(chat: str) -> None:
        await limiter.wait(chat)
        stamps.append(loop.time() - start)

    await asyncio.gather(*(one(str(i)) for i in range(21)))
    stamps.sort()
    assert stamps[-1] >= 1.9  # 21 sends at 10 per second take two seconds
    for i in range(len(stamps) - 10):
        assert stamps[i + 10] - stamps[i] >= 0.95  # never 11 within one second


@pytest.fixture
async def typing_client(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], callbacks: CallbackRegistry
) -> AsyncIterator[tuple[TestClient[web.Request, web.Application], TypingIndicator]]:
    typing = TypingIndicator(bot, every_s=5.0)
    app = web.Application()
    webhook = TelegramWebhook(bot, Inbox(sessions), callbacks, SECRET, typing=typing)
    app.router.add_post(WEBHOOK_PATH, webhook.handle)
    async with TestClient(TestServer(app)) as client:
        yield client, typing
    await typing.close()


async def test_one_typing_indicator_per_reply(
    typing_client: tuple[TestClient[web.Request, web.Application], TypingIndicator],
    bot: Bot,
    callbacks: CallbackRegistry,
    fake_telegram: FakeTelegram,
) -> None:
    """Regression: under load a reply came with two `sendChatAction` (refreshed every 4 s)."""
    client, typing = typing_client
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    for update_id in (1, 2, 2):  # two messages (one delivered twice) within a moment
        body = json.dumps(text_update(update_id, "где заявление"))
        async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
            assert response.status == 200
    await asyncio.sleep(0.3)
    assert fake_telegram.sent("sendChatAction") == [{"chat_id": "111", "action": "typing"}]
    sender = TelegramSender(bot, callbacks, typing=typing)
    await sender.send("111", OutboundMessage(text="Ваше заявление принято."), Delivery(1, 1, 1))
    await asyncio.sleep(0.1)
    assert len(fake_telegram.sent("sendChatAction")) == 1
    body = json.dumps(text_update(3, "а ещё вопрос"))  # a new message after the reply
    async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
        assert response.status == 200
    await asyncio.sleep(0.3)
    assert len(fake_telegram.sent("sendChatAction")) == 2


async def test_typing_is_not_refreshed_while_the_bot_thinks(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    typing = TypingIndicator(bot, every_s=0.2)
    typing.start("111")
    typing.start("111")  # still showing: not sent again
    await asyncio.sleep(0.6)
    assert len(times(fake_telegram, "111", "sendChatAction")) == 1
    await typing.close()


async def test_typing_failure_is_harmless(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail(400, description="Bad Request: chat not found")
    typing = TypingIndicator(bot)
    typing.start("111")
    await asyncio.sleep(0.3)
    assert fake_telegram.sent("sendChatAction") == []
    await typing.close()


async def test_no_typing_indicator_when_the_reply_comes_fast(
    bot: Bot, callbacks: CallbackRegistry, fake_telegram: FakeTelegram
) -> None:
    """Regression: every reply came with a `sendChatAction` although it arrived at once."""
    typing = TypingIndicator(bot, delay_s=0.3)
    sender = TelegramSender(bot, callbacks, typing=typing)
    typing.start("111")
    await sender.send("111", OutboundMessage(text="Здравствуйте!"), Delivery(1, 1, 1))
    typing.start("111")  # the next message: its answer takes longer than the delay
    await asyncio.sleep(0.6)
    await sender.send("111", OutboundMessage(text="Ваше заявление принято."), Delivery(2, 2, 1))
    assert len(fake_telegram.sent("sendChatAction")) == 1
    await typing.close()
