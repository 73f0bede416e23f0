"""`create_app` wires the Telegram channel when TELEGRAM_TOKEN is set, and only then."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram import TelegramSender
from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.app import create_app
from bot.keys import OUTBOX
from bot.settings import Settings
from tests.adapters.conftest import TOKEN
from tests.adapters.fake_telegram import FakeTelegram

UPDATE = {
    "update_id": 77,
    "message": {
        "message_id": 1,
        "date": 1700000000,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "Анна"},
        "text": "/start",
    },
}


async def test_app_serves_the_webhook_with_a_token(
    database_url: str, engine: AsyncEngine, fake_telegram: FakeTelegram
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        telegram_token=SecretStr(TOKEN),
        telegram_webhook_secret=SecretStr("app-secret"),
        telegram_api_url=fake_telegram.base_url,
    )
    app = await create_app(settings, run_workers=False)
    assert isinstance(app[OUTBOX].senders["telegram"], TelegramSender)
    async with TestClient(TestServer(app)) as client:
        headers = {SECRET_HEADER: "app-secret", "Content-Type": "application/json"}
        async with client.post(WEBHOOK_PATH, data=json.dumps(UPDATE), headers=headers) as r:
            assert r.status == 200
        async with client.post(WEBHOOK_PATH, data=json.dumps(UPDATE)) as r:
            assert r.status == 401


async def test_app_without_token_has_no_telegram(database_url: str, engine: AsyncEngine) -> None:
    settings = Settings(_env_file=None, database_url=database_url, telegram_token=None)
    app = await create_app(settings, run_workers=False)
    assert "telegram" not in app[OUTBOX].senders
    async with TestClient(TestServer(app)) as client, client.post(WEBHOOK_PATH, data="{}") as r:
        assert r.status in (404, 405)
