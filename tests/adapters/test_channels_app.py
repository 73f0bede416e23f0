"""`setup_channels` through `create_app`: which channels start, and what they do on start."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.telegram import TelegramSender
from adapters.viber import ViberSender
from adapters.viber.webhook import SIGNATURE_HEADER
from bot.app import create_app
from bot.keys import OUTBOX
from bot.models import InboxItem
from bot.settings import Settings
from tests.adapters.conftest import TOKEN, VIBER_TOKEN
from tests.adapters.fake_telegram import FakeTelegram
from tests.adapters.fake_viber import FakeViber
from tests.adapters.test_telegram_polling import text_update
from tests.support import free_port


async def eventually(condition: Callable[[], bool], timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:  # noqa: ASYNC110 - polls a fake
        await asyncio.sleep(0.05)
    assert condition()


async def test_webhook_mode_calls_set_webhook_with_public_url(
    database_url: str, engine: AsyncEngine, fake_telegram: FakeTelegram
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        public_url="https://bot.example.test/",
        telegram_token=SecretStr(TOKEN),
        telegram_webhook_secret=SecretStr("Webhook_Secret-1"),
        telegram_api_url=fake_telegram.base_url,
    )
    app = await create_app(settings, run_workers=False)
    async with TestClient(TestServer(app)):
        await eventually(lambda: bool(fake_telegram.sent("setWebhook")))
    (call,) = fake_telegram.sent("setWebhook")
    assert call["url"] == "https://bot.example.test/telegram/webhook"
    assert call["secret_token"] == "Webhook_Secret-1"
    assert json.loads(call["allowed_updates"]) == ["message", "edited_message", "callback_query"]


async def test_without_public_url_no_set_webhook(
    database_url: str, engine: AsyncEngine, fake_telegram: FakeTelegram
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        telegram_token=SecretStr(TOKEN),
        telegram_webhook_secret=SecretStr("s"),
        telegram_api_url=fake_telegram.base_url,
    )
    app = await create_app(settings, run_workers=False)
    async with TestClient(TestServer(app)):
        await asyncio.sleep(0.3)
    assert fake_telegram.calls == []


async def test_polling_mode_serves_no_webhook_and_stores_polled_updates(
    database_url: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    fake_telegram: FakeTelegram,
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        public_url="https://bot.example.test",
        telegram_token=SecretStr(TOKEN),
        telegram_mode="polling",
        telegram_api_url=fake_telegram.base_url,
    )
    fake_telegram.queue_update(text_update(500, "привет"))
    app = await create_app(settings, run_workers=False)
    assert isinstance(app[OUTBOX].senders["telegram"], TelegramSender)
    stored: list[str] = []
    async with TestClient(TestServer(app)) as client:
        async with client.post("/telegram/webhook", data="{}") as response:
            assert response.status in (404, 405)
        deadline = time.monotonic() + 10
        while not stored and time.monotonic() < deadline:
            async with sessions() as session:
                stored = list(await session.scalars(select(InboxItem.external_id)))
            await asyncio.sleep(0.05)
    assert stored == ["500"]
    assert fake_telegram.calls[0].method == "deleteWebhook"
    assert fake_telegram.sent("setWebhook") == []


async def test_viber_registers_its_webhook_once_the_app_serves(
    database_url: str, engine: AsyncEngine, fake_viber: FakeViber
) -> None:
    port = free_port()
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        public_url=f"http://127.0.0.1:{port}",
        viber_token=SecretStr(VIBER_TOKEN),
        viber_api_url=fake_viber.base_url,
        viber_bot_name="Госпомощник",
    )
    app = await create_app(settings, run_workers=False)
    viber = app[OUTBOX].senders["viber"]
    assert isinstance(viber, ViberSender)
    assert viber.limiter is not None  # the settings' rate limits reach the sender
    assert "telegram" not in app[OUTBOX].senders
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        await eventually(lambda: fake_viber.webhook is not None)
        body = b'{"event": "webhook", "timestamp": 1, "message_token": 1}'
        async with client.post(
            "/viber/webhook", data=body, headers={SIGNATURE_HEADER: "0" * 64}
        ) as response:
            assert response.status == 403
    assert fake_viber.webhook == f"http://127.0.0.1:{port}/viber/webhook"
    (call,) = [c for c in fake_viber.calls if c.endpoint == "set_webhook"]
    assert call.body["event_types"] == [
        "delivered",
        "seen",
        "failed",
        "subscribed",
        "unsubscribed",
        "conversation_started",
    ]
    assert call.body["send_name"] is True


async def test_no_tokens_no_messengers(database_url: str, engine: AsyncEngine) -> None:
    settings = Settings(_env_file=None, database_url=database_url)
    app = await create_app(settings, run_workers=False)
    assert set(app[OUTBOX].senders) == {"webchat"}
    async with TestClient(TestServer(app)) as client, client.post("/viber/webhook", data="{}") as r:
        assert r.status in (404, 405)
