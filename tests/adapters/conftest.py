"""Fixtures for the Telegram adapter: the fake Bot API, a real aiogram Bot aimed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from adapters.telegram import CallbackRegistry, TelegramSender, create_bot
from tests.adapters.fake_telegram import FakeTelegram

TOKEN = "123456:AAE-test-token_abcdefghijklmnopqrstu"


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """A running fake Bot API server; every test ends with no schema violation."""
    fake = FakeTelegram()
    fake.base_url = await fake.start()
    yield fake
    await fake.close()
    assert fake.violations == []


@pytest.fixture
async def bot(fake_telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """The real aiogram client, talking to the fake server."""
    bot = create_bot(TOKEN, fake_telegram.base_url)
    yield bot
    await bot.session.close()


@pytest.fixture
def callbacks() -> CallbackRegistry:
    """Shared between the sender (encode) and the webhook (decode), as in the app."""
    return CallbackRegistry()


@pytest.fixture
def sender(bot: Bot, callbacks: CallbackRegistry) -> TelegramSender:
    """The channel sender under test."""
    return TelegramSender(bot, callbacks)
