"""The webhook end to end: secret check, parsing, inbox idempotency, callback answers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.telegram import CallbackRegistry, TelegramWebhook
from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.inbox import Inbox
from bot.messages import InboundKind
from bot.models import InboxItem
from tests.adapters.fake_telegram import FakeTelegram, citizen_message

SECRET = "s3cr3t-webhook-token_ABC"
USER = {"id": 111, "is_bot": False, "first_name": "Иван"}
CHAT = {"id": 111, "type": "private", "first_name": "Иван"}


def update(update_id: int, **body: Any) -> dict[str, Any]:
    return {"update_id": update_id, **body}


def text_update(update_id: int, text: str = "привет") -> dict[str, Any]:
    return citizen_message(update_id, date=1700000000, text=text)


@pytest.fixture
async def client(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], callbacks: CallbackRegistry
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    webhook = TelegramWebhook(bot, Inbox(sessions), callbacks, SECRET, max_bytes=64 * 1024)
    app.router.add_post(WEBHOOK_PATH, webhook.handle)
    async with TestClient(TestServer(app)) as client:
        yield client


async def post(
    client: TestClient[web.Request, web.Application],
    body: Any,
    secret: str | None = SECRET,
) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    async with client.post(WEBHOOK_PATH, data=data, headers=headers) as response:
        return response.status


async def stored(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with sessions() as session:
        return [i.message for i in await session.scalars(select(InboxItem).order_by(InboxItem.id))]


async def count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxItem)) or 0)


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_forged_secret_is_401_and_nothing_stored(
    client: TestClient[web.Request, web.Application],
    sessions: async_sessionmaker[AsyncSession],
    secret: str | None,
) -> None:
    assert await post(client, text_update(1), secret=secret) == 401
    assert await count(sessions) == 0


async def test_same_update_twice_is_stored_once(
    client: TestClient[web.Request, web.Application], sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await post(client, text_update(5)) == 200
    assert await post(client, text_update(5)) == 200
    (item,) = await stored(sessions)
    assert item["channel"] == "telegram"
    assert item["external_id"] == "5"
    assert item["text"] == "привет"


@pytest.mark.parametrize(
    "body", [b"{not json", b"", b"[1, 2]", b'"x"', b'{"update_id": "abc"}', b'{"message": {}}']
)
async def test_malformed_is_400(
    client: TestClient[web.Request, web.Application],
    sessions: async_sessionmaker[AsyncSession],
    body: bytes,
) -> None:
    assert await post(client, body) == 400
    assert await count(sessions) == 0


async def test_large_update_under_the_limit_is_read_whole(
    client: TestClient[web.Request, web.Application], sessions: async_sessionmaker[AsyncSession]
) -> None:
    text = "ж" * 9_000  # about 54 KB as JSON \u escapes: several chunks, under 64 KiB
    assert await post(client, text_update(12, text)) == 200
    (item,) = await stored(sessions)
    assert item["text"] == text


async def test_too_large_is_413(
    client: TestClient[web.Request, web.Application], sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await post(client, text_update(6, "а" * 70_000)) == 413
    assert await count(sessions) == 0


async def test_unknown_update_is_200_and_nothing_stored(
    client: TestClient[web.Request, web.Application], sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert (
        await post(
            client,
            update(
                7,
                poll={
                    "id": "p",
                    "question": "?",
                    "options": [],
                    "total_voter_count": 0,
                    "is_closed": False,
                    "is_anonymous": True,
                    "type": "regular",
                    "allows_multiple_answers": False,
                },
            ),
        )
        == 200
    )
    assert await post(client, update(8)) == 200
    assert await post(client, update(9, some_future_update={"x": [1, 2]})) == 200
    assert await count(sessions) == 0


@pytest.mark.parametrize(("contact_user", "verified"), [(111, True), (999, False)])
async def test_contact_verified_only_when_own(
    client: TestClient[web.Request, web.Application],
    sessions: async_sessionmaker[AsyncSession],
    contact_user: int,
    verified: bool,
) -> None:
    body = update(
        9,
        message={
            "message_id": 9,
            "date": 1700000000,
            "chat": CHAT,
            "from": USER,
            "contact": {
                "phone_number": "+7 912 345-67-89",
                "first_name": "Иван",
                "user_id": contact_user,
            },
        },
    )
    assert await post(client, body) == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.CONTACT
    assert item["contact"] == {"phone": "+79123456789", "verified": verified}


async def test_callback_query_stored_then_answered(
    client: TestClient[web.Request, web.Application],
    sessions: async_sessionmaker[AsyncSession],
    fake_telegram: FakeTelegram,
    callbacks: CallbackRegistry,
) -> None:
    long_payload = '/inform{"topic": "' + "налоговый вычет" * 4 + '"}'
    body = update(
        10,
        callback_query={
            "id": "cq-10",
            "from": USER,
            "chat_instance": "ci",
            "data": callbacks.encode(long_payload),
            "message": {"message_id": 3, "date": 1700000000, "chat": CHAT, "text": "Выберите"},
        },
    )
    assert await post(client, body) == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.BUTTON
    assert item["payload"] == long_payload
    for _ in range(200):  # answered after the acknowledgement, in the background
        if fake_telegram.sent("answerCallbackQuery"):
            break
        await asyncio.sleep(0.01)
    assert fake_telegram.sent("answerCallbackQuery") == [{"callback_query_id": "cq-10"}]


async def test_callback_answer_failure_still_200(
    client: TestClient[web.Request, web.Application],
    sessions: async_sessionmaker[AsyncSession],
    fake_telegram: FakeTelegram,
) -> None:
    fake_telegram.fail(400, description="Bad Request: query is too old")
    body = update(
        11,
        callback_query={
            "id": "cq-11",
            "from": USER,
            "chat_instance": "ci",
            "data": "/affirm",
            "message": {"message_id": 3, "date": 1700000000, "chat": CHAT, "text": "Выберите"},
        },
    )
    assert await post(client, body) == 200
    assert await count(sessions) == 1
