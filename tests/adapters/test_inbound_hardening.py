"""Every channel through the real app: unstorable text is cleaned, floods are bounded, stale
Viber bodies are refused — on SQLite and PostgreSQL, never a 5xx."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.telegram.webhook import SECRET_HEADER
from adapters.telegram.webhook import WEBHOOK_PATH as TELEGRAM_PATH
from adapters.viber import signature
from adapters.viber.webhook import SIGNATURE_HEADER
from adapters.viber.webhook import WEBHOOK_PATH as VIBER_PATH
from bot.app import create_app
from bot.models import InboxItem, ItemStatus, OutboxItem, TranscriptEntry
from bot.settings import Settings
from bot.texts import text
from tests.adapters.conftest import TOKEN, VIBER_TOKEN
from tests.adapters.fake_telegram import FakeTelegram, citizen_message
from tests.adapters.fake_viber import FakeViber

SECRET = "Webhook_Secret-hardening"
USER = {"id": "01234567890A=", "name": "Иван", "language": "ru", "country": "RU", "api_version": 10}
UNSTORABLE = "a\udc00b\x00c\x07d\r\ne\tf\ud800"
CLEANED = "a\ufffdbcd\ne\tf\ufffd"
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(
    database_url: str, engine: AsyncEngine, fake_telegram: FakeTelegram, fake_viber: FakeViber
) -> AsyncIterator[Client]:
    """The whole app with both messengers and the web chat, workers off (nothing is answered)."""
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        telegram_token=SecretStr(TOKEN),
        telegram_webhook_secret=SecretStr(SECRET),
        telegram_api_url=fake_telegram.base_url,
        viber_token=SecretStr(VIBER_TOKEN),
        viber_api_url=fake_viber.base_url,
        flood_burst=5,
        flood_refill_per_s=1.0,
    )
    async with TestClient(TestServer(await create_app(settings, run_workers=False))) as client:
        yield client


async def telegram(client: Client, update_id: int, message_text: str, chat: int = 111) -> int:
    body = json.dumps(citizen_message(update_id, chat, text=message_text))  # \udc00 escaped
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with client.post(TELEGRAM_PATH, data=body, headers=headers) as response:
        return response.status


def viber_body(token: int, message_text: str, timestamp_ms: int | None = None) -> bytes:
    body = {
        "event": "message",
        "timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
        "chat_hostname": "SN-CHAT-01_",
        "message_token": token,
        "sender": USER,
        "message": {"type": "text", "text": message_text},
        "silent": False,
    }
    return json.dumps(body).encode()


async def viber(client: Client, raw: bytes) -> int:
    headers = {SIGNATURE_HEADER: signature(VIBER_TOKEN, raw), "Content-Type": "application/json"}
    async with client.post(VIBER_PATH, data=raw, headers=headers) as response:
        return response.status


async def inbox(sessions: async_sessionmaker[AsyncSession]) -> list[InboxItem]:
    async with sessions() as session:
        return list(await session.scalars(select(InboxItem).order_by(InboxItem.id)))


async def citizen_lines(sessions: async_sessionmaker[AsyncSession]) -> list[str | None]:
    async with sessions() as session:
        rows = await session.scalars(
            select(TranscriptEntry.text)
            .where(TranscriptEntry.author == "citizen")
            .order_by(TranscriptEntry.id)
        )
        return list(rows)


async def notices(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxItem).order_by(OutboxItem.id))
        return [row.message for row in rows if row.message.get("text") == text("flood_notice")]


async def test_telegram_lone_surrogate_and_control_characters_are_stored_cleaned(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Was a 500 (UnicodeEncodeError in the inbox insert), which Telegram re-sends for hours."""
    assert await telegram(client, 1, UNSTORABLE) == 200
    (item,) = await inbox(sessions)
    assert item.message["text"] == CLEANED
    assert item.status == ItemStatus.PENDING
    assert await citizen_lines(sessions) == [CLEANED]


async def test_viber_lone_surrogate_and_control_characters_are_stored_cleaned(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await viber(client, viber_body(7, UNSTORABLE)) == 200
    (item,) = await inbox(sessions)
    assert item.message["text"] == CLEANED
    assert await citizen_lines(sessions) == [CLEANED]


async def test_webchat_lone_surrogate_and_control_characters_are_stored_cleaned(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with client.ws_connect("/chat/ws") as socket:
        assert (await socket.receive_json())["type"] == "session"
        await socket.send_str(json.dumps({"type": "message", "id": "s1", "text": UNSTORABLE}))
        assert await socket.receive_json() == {"type": "ack", "id": "s1"}
    (item,) = await inbox(sessions)
    assert item.message["text"] == CLEANED
    assert await citizen_lines(sessions) == [CLEANED]


async def test_viber_body_signed_30_days_ago_is_refused_and_nothing_stored(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    month_ago = int((time.time() - 30 * 86400) * 1000)
    assert await viber(client, viber_body(8, "привет", month_ago)) == 403
    assert await inbox(sessions) == []
    assert await citizen_lines(sessions) == []


async def test_viber_body_from_the_future_or_without_timestamp_is_refused(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ahead = int((time.time() + 120) * 1000)
    assert await viber(client, viber_body(9, "привет", ahead)) == 403
    no_time = json.loads(viber_body(10, "привет"))
    del no_time["timestamp"]
    assert await viber(client, json.dumps(no_time).encode()) == 403
    assert await inbox(sessions) == []
    assert await viber(client, viber_body(11, "привет")) == 200  # a fresh one is taken
    assert len(await inbox(sessions)) == 1


async def test_telegram_flood_is_acknowledged_but_only_the_allowance_becomes_turns(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    started = time.monotonic()
    statuses = [await telegram(client, 100 + n, f"сообщение {n}") for n in range(30)]
    elapsed = time.monotonic() - started
    assert set(statuses) == {200}  # Telegram must not re-send the dropped ones
    items = await inbox(sessions)
    pending = [i for i in items if i.status == ItemStatus.PENDING]
    dropped = [i for i in items if i.status == ItemStatus.DROPPED]
    assert 5 <= len(pending) <= 5 + elapsed + 1  # the burst, plus what refilled meanwhile
    assert len(pending) + len(dropped) == 30
    assert len(await citizen_lines(sessions)) == 30  # dropped, yet kept for an operator
    assert len(await notices(sessions)) == 1
    # another chat is not affected by this one's flood
    assert await telegram(client, 500, "привет", chat=222) == 200
    assert (await inbox(sessions))[-1].status == ItemStatus.PENDING


async def test_viber_flood_is_acknowledged_but_only_the_allowance_becomes_turns(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    started = time.monotonic()
    statuses = [await viber(client, viber_body(200 + n, f"сообщение {n}")) for n in range(30)]
    elapsed = time.monotonic() - started
    assert set(statuses) == {200}
    items = await inbox(sessions)
    pending = [i for i in items if i.status == ItemStatus.PENDING]
    assert 5 <= len(pending) <= 5 + elapsed + 1
    assert len(items) == 30
    assert len(await notices(sessions)) == 1


async def test_telegram_resend_of_a_dropped_update_is_not_stored_twice(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    for n in range(10):
        await telegram(client, 300 + n, f"сообщение {n}")
    before = len(await inbox(sessions))
    assert await telegram(client, 309, "сообщение 9") == 200  # the last one was dropped
    assert len(await inbox(sessions)) == before
