"""Thousands of malformed or odd payloads at the webhook: never a 5xx, and it keeps serving."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.telegram import CallbackRegistry, TelegramWebhook
from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.inbox import Inbox

SECRET = "fuzz-secret"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
anything = json_values | st.integers(min_value=-(2**70), max_value=2**70)
user = st.fixed_dictionaries(
    {"id": anything, "is_bot": anything, "first_name": anything},
    optional={"username": anything},
)
chat = st.fixed_dictionaries({"id": anything, "type": anything})
message = st.fixed_dictionaries(
    {"message_id": anything, "date": anything, "chat": chat | anything},
    optional={
        "from": user | anything,
        "text": anything,
        "contact": st.fixed_dictionaries(
            {"phone_number": anything, "first_name": anything}, optional={"user_id": anything}
        )
        | anything,
        "photo": st.lists(st.fixed_dictionaries({"file_id": anything}), max_size=2) | anything,
        "sticker": anything,
        "location": anything,
    },
)
update_shaped = st.fixed_dictionaries(
    {"update_id": st.integers(min_value=0, max_value=2**40) | anything},
    optional={
        "message": message | anything,
        "edited_message": message | anything,
        "callback_query": st.fixed_dictionaries(
            {"id": anything, "from": user | anything, "chat_instance": anything},
            optional={"data": anything, "message": message | anything},
        )
        | anything,
        "my_chat_member": anything,
    },
)
payloads = (
    st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | update_shaped.map(lambda v: json.dumps(v).encode())
    | update_shaped.map(lambda v: json.dumps(v).encode()[: len(json.dumps(v)) // 2])
)


ALIVE = json.dumps({"update_id": 1, "my_chat_member": {}}).encode()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the fuzz is about parsing; storage on PostgreSQL is covered elsewhere."""
    return f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}"


@pytest.fixture
async def client(
    bot: Bot, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    webhook = TelegramWebhook(bot, Inbox(sessions), CallbackRegistry(), SECRET, max_bytes=4096)
    app.router.add_post(WEBHOOK_PATH, webhook.handle)
    async with TestClient(TestServer(app)) as client:
        yield client


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=payloads, with_secret=st.booleans())
async def test_malformed_payloads_never_5xx(
    client: TestClient[web.Request, web.Application], body: bytes, with_secret: bool
) -> None:
    headers: dict[str, Any] = {"Content-Type": "application/json"}
    if with_secret:
        headers[SECRET_HEADER] = SECRET
    async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
        assert response.status < 500, await response.text()
        if not with_secret:
            assert response.status == 401
    alive = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with client.post(WEBHOOK_PATH, data=ALIVE, headers=alive) as response:
        assert response.status == 200
