"""Through the real Outbox: rate-limit and 5xx bursts from Viber; every reply delivered once."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.viber import ViberSender
from bot.metrics import Metrics
from bot.models import ItemStatus, OutboxItem
from bot.outbox import Outbox
from tests.adapters.fake_viber import FakeViber
from tests.support import seed_replies

USER = "01234567890A="


@pytest.mark.parametrize("burst", ["rate", "5xx"])
async def test_burst_then_each_reply_delivered_once_in_order(
    sessions: async_sessionmaker[AsyncSession],
    viber_sender: ViberSender,
    fake_viber: FakeViber,
    burst: str,
) -> None:
    outbox = Outbox(sessions, Metrics(), max_attempts=10, backoff_max_s=0.0, poll_interval_s=0.05)
    outbox.register(viber_sender)
    await seed_replies(outbox, sessions, "viber", USER, 3)
    fake_viber.fail(burst, times=3)
    fake_viber.fail("5xx" if burst == "rate" else "rate", times=1, after=1)
    deadline = time.monotonic() + 20
    while len(fake_viber.sent()) < 3 and time.monotonic() < deadline:
        await outbox.deliver_due()
        await asyncio.sleep(0.05)
    for _ in range(3):  # more passes must not send anything again
        await outbox.deliver_due()
    assert [b["text"] for b in fake_viber.sent()] == ["ответ 0", "ответ 1", "ответ 2"]
    async with sessions() as session:
        items = list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
    assert [i.status for i in items] == [ItemStatus.DONE] * 3
    assert items[0].attempts == 4


async def test_unsubscribed_citizen_fails_once_and_is_recorded(
    sessions: async_sessionmaker[AsyncSession],
    viber_sender: ViberSender,
    fake_viber: FakeViber,
) -> None:
    outbox = Outbox(sessions, Metrics(), max_attempts=10, backoff_max_s=0.0, poll_interval_s=0.05)
    outbox.register(viber_sender)
    await seed_replies(outbox, sessions, "viber", USER, 1)
    fake_viber.unsubscribed.add(USER)
    await outbox.deliver_due()
    await outbox.deliver_due()
    async with sessions() as session:
        (item,) = list(await session.scalars(select(OutboxItem)))
    assert item.status == ItemStatus.FAILED
    assert item.attempts == 1
    assert "receiverNotSubscribed" in (item.last_error or "")
