"""Long polling against the fake Bot API: deleteWebhook first, each update stored once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.telegram import CallbackRegistry
from adapters.telegram.intake import UpdateIntake
from adapters.telegram.polling import TelegramPoller
from bot.inbox import Inbox
from bot.messages import InboundKind
from bot.models import InboxItem
from tests.adapters.fake_telegram import FakeTelegram, citizen_message


def text_update(update_id: int, text: str) -> dict[str, Any]:
    return citizen_message(update_id, date=1700000000, text=text)


async def stored(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with sessions() as session:
        return [i.message for i in await session.scalars(select(InboxItem).order_by(InboxItem.id))]


async def wait_for(condition: Any, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition() and time.monotonic() < deadline:  # noqa: ASYNC110 - polls the db
        await asyncio.sleep(0.05)


async def test_polling_stores_updates_in_order_and_confirms_them(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], fake_telegram: FakeTelegram
) -> None:
    poller = TelegramPoller(UpdateIntake(bot, Inbox(sessions), CallbackRegistry()), timeout_s=1)
    fake_telegram.queue_update(text_update(100, "привет"))
    fake_telegram.queue_update(text_update(101, "/operator"))
    task = asyncio.create_task(poller.run_forever())
    try:

        async def two() -> bool:
            return len(await stored(sessions)) == 2

        await wait_for(two)
        fake_telegram.queue_update(text_update(101, "/operator"))  # delivered again
        fake_telegram.queue_update(text_update(102, "спасибо"))

        async def three() -> bool:
            return len(await stored(sessions)) == 3 and poller.offset == 103

        await wait_for(three)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    items = await stored(sessions)
    assert [i["external_id"] for i in items] == ["100", "101", "102"]
    assert items[1]["kind"] == InboundKind.COMMAND
    assert items[1]["payload"] == "/request_operator"
    methods = [c.method for c in fake_telegram.calls]
    assert methods[0] == "deleteWebhook"
    assert fake_telegram.sent("deleteWebhook") == [{"drop_pending_updates": "false"}]
    polls = fake_telegram.sent("getUpdates")
    assert polls[0].get("offset") is None
    assert any(p.get("offset") == "102" for p in polls)
    assert '"callback_query"' in polls[0]["allowed_updates"]


async def test_polling_survives_api_errors(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], fake_telegram: FakeTelegram
) -> None:
    poller = TelegramPoller(
        UpdateIntake(bot, Inbox(sessions), CallbackRegistry()), timeout_s=1, backoff_max_s=0.1
    )
    fake_telegram.fail(500, times=2)  # deleteWebhook, then the first getUpdates
    fake_telegram.fail(502, times=1, after=1)
    fake_telegram.queue_update(text_update(7, "привет"))
    task = asyncio.create_task(poller.run_forever())
    try:

        async def one() -> bool:
            return len(await stored(sessions)) == 1

        await wait_for(one)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [i["text"] for i in await stored(sessions)] == ["привет"]
