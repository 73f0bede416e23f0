"""Telegram's limits and the typing indicator, measured in the fake Bot API's own clock."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.ratelimit import SendRateLimiter
from adapters.telegram import CallbackRegistry, TelegramSender, TelegramWebhook
from adapters.telegram.typing import TypingIndicator
from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.inbox import Inbox
from bot.messages import OutboundMessage
from bot.outbox import Delivery
from tests.adapters.fake_telegram import FakeTelegram
from tests.adapters.test_telegram_polling import text_update

SECRET = "typing-secret"


def times(fake: FakeTelegram, chat_id: str, method: str = "sendMessage") -> list[float]:
    return [c.at for c in fake.calls if c.method == method and c.params["chat_id"] == chat_id]


async def test_one_message_per_second_per_chat_others_not_held_back(
    bot: Bot, callbacks: CallbackRegistry, fake_telegram: FakeTelegram
) -> None:
    sender = TelegramSender(bot, callbacks, limiter=SendRateLimiter())
    long_text = "Первое предложение. " * 400  # two parts to one chat
    await asyncio.gather(
        sender.send("111", OutboundMessage(text=long_text), Delivery(1, 1, 1)),
        sender.send("111", OutboundMessage(text="и ещё"), Delivery(2, 2, 1)),
        sender.send("222", OutboundMessage(text="другой чат"), Delivery(3, 3, 1)),
    )
    first = times(fake_telegram, "111")
    assert len(first) == 3
    gaps = [b - a for a, b in itertools.pairwise(first)]
    assert all(gap >= 0.95 for gap in gaps), gaps
    (other,) = times(fake_telegram, "222")
    assert other - first[0] < 0.5  # another chat does not wait for this one


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
    typing = TypingIndicator(bot, every_s=4.0, max_s=12.0)
    app = web.Application()
    webhook = TelegramWebhook(bot, Inbox(sessions), callbacks, SECRET, typing=typing)
    app.router.add_post(WEBHOOK_PATH, webhook.handle)
    async with TestClient(TestServer(app)) as client:
        yield client, typing
    await typing.close()


async def test_typing_shown_once_per_4_seconds_and_stopped_by_the_reply(
    typing_client: tuple[TestClient[web.Request, web.Application], TypingIndicator],
    bot: Bot,
    callbacks: CallbackRegistry,
    fake_telegram: FakeTelegram,
) -> None:
    client, typing = typing_client
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    for update_id in (1, 2, 2):  # two messages (one delivered twice) within a moment
        body = json.dumps(text_update(update_id, "где заявление"))
        async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
            assert response.status == 200
    await asyncio.sleep(0.3)
    actions = fake_telegram.sent("sendChatAction")
    assert actions == [{"chat_id": "111", "action": "typing"}]
    sender = TelegramSender(bot, callbacks, typing=typing)
    await sender.send("111", OutboundMessage(text="Ваше заявление принято."), Delivery(1, 1, 1))
    await asyncio.sleep(0.1)
    assert not typing._tasks  # the indicator stopped with the reply
    assert len(fake_telegram.sent("sendChatAction")) == 1


async def test_typing_refreshes_while_the_bot_thinks_then_gives_up(
    bot: Bot, fake_telegram: FakeTelegram
) -> None:
    typing = TypingIndicator(bot, every_s=0.2, max_s=0.7)
    typing.start("111")
    typing.start("111")  # already shown: no second loop
    await asyncio.sleep(1.0)
    stamps = times(fake_telegram, "111", "sendChatAction")
    assert 3 <= len(stamps) <= 4
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(stamps))
    await typing.close()


async def test_typing_failure_is_harmless(bot: Bot, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail(400, description="Bad Request: chat not found")
    typing = TypingIndicator(bot, every_s=0.1, max_s=0.5)
    typing.start("111")
    await asyncio.sleep(0.3)
    assert fake_telegram.sent("sendChatAction") == []
    await typing.close()
