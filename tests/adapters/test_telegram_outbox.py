"""Through the real Outbox: a burst of 429s, then success; every reply delivered exactly once."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.telegram import TelegramSender
from bot.metrics import Metrics
from bot.models import ItemStatus, OutboxItem
from bot.outbox import Outbox
from tests.adapters.fake_telegram import FakeTelegram
from tests.support import seed_replies


async def test_429_burst_then_each_reply_delivered_once(
    sessions: async_sessionmaker[AsyncSession],
    sender: TelegramSender,
    fake_telegram: FakeTelegram,
) -> None:
    outbox = Outbox(sessions, Metrics(), max_attempts=10, backoff_max_s=0.0, poll_interval_s=0.05)
    outbox.register(sender)
    await seed_replies(outbox, sessions, "telegram", "111", 3)
    fake_telegram.fail(429, times=2, retry_after=1)
    fake_telegram.fail(500, times=1, after=1)  # the second reply meets a 5xx as well
    deadline = time.monotonic() + 20
    while len(fake_telegram.sent()) < 3 and time.monotonic() < deadline:
        await outbox.deliver_due()
        await asyncio.sleep(0.1)
    for _ in range(3):  # more passes must not send anything again
        await outbox.deliver_due()
    # exactly once each (order: see test_replies_keep_their_order_while_one_backs_off)
    assert sorted(c["text"] for c in fake_telegram.sent()) == ["ответ 0", "ответ 1", "ответ 2"]
    async with sessions() as session:
        items = list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
    assert [i.status for i in items] == [ItemStatus.DONE] * 3
    assert items[0].attempts == 3


async def test_replies_keep_their_order_while_one_backs_off(
    sessions: async_sessionmaker[AsyncSession],
    sender: TelegramSender,
    fake_telegram: FakeTelegram,
) -> None:
    outbox = Outbox(sessions, Metrics(), max_attempts=10, backoff_max_s=0.0, poll_interval_s=0.05)
    outbox.register(sender)
    await seed_replies(outbox, sessions, "telegram", "111", 2)
    fake_telegram.fail(429, times=1, retry_after=1)
    deadline = time.monotonic() + 10
    while len(fake_telegram.sent()) < 2 and time.monotonic() < deadline:
        await outbox.deliver_due()
        await asyncio.sleep(0.1)
    assert [c["text"] for c in fake_telegram.sent()] == ["ответ 0", "ответ 1"]
