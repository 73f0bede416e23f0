"""Fixtures for the channel adapters: fake Bot API and Viber API, real clients aimed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from adapters.telegram import CallbackRegistry, TelegramSender, create_bot
from adapters.viber import Tracking, ViberApi, ViberSender
from tests.adapters.fake_telegram import FakeTelegram
from tests.adapters.fake_viber import FakeViber

TOKEN = "123456:AAE-test-token_abcdefghijklmnopqrstu"
VIBER_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"


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


@pytest.fixture
async def fake_viber() -> AsyncIterator[FakeViber]:
    """A running fake Viber REST API; every test ends with no protocol violation."""
    fake = FakeViber(VIBER_TOKEN)
    await fake.start()
    yield fake
    await fake.close()
    assert fake.violations == []


@pytest.fixture
async def viber_sender(fake_viber: FakeViber) -> AsyncIterator[ViberSender]:
    """The Viber channel sender, talking to the fake API over aiohttp."""
    api = ViberApi(VIBER_TOKEN, fake_viber.base_url)
    yield ViberSender(api, Tracking(VIBER_TOKEN), name="Госпомощник", avatar="https://x.test/a.png")
    await api.close()
