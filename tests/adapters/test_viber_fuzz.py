"""Thousands of malformed or odd callbacks at the Viber webhook: never a 5xx, still serving."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.viber import ViberSender, ViberWebhook, signature
from adapters.viber.webhook import SIGNATURE_HEADER, WEBHOOK_PATH
from bot.inbox import Inbox
from tests.adapters.conftest import VIBER_TOKEN

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
anything = json_values | st.integers(min_value=-(2**70), max_value=2**70)
events = st.sampled_from(
    [
        "message",
        "conversation_started",
        "subscribed",
        "unsubscribed",
        "delivered",
        "seen",
        "failed",
        "webhook",
        "client_status",
    ]
)
message_types = st.sampled_from(
    ["text", "contact", "picture", "file", "sticker", "location", "video", "url", "rich_media"]
)
user = st.fixed_dictionaries(
    {"id": st.text(max_size=20) | anything},
    optional={"name": anything, "api_version": anything, "language": anything},
)
message = st.fixed_dictionaries(
    {"type": message_types | anything},
    optional={
        "text": anything,
        "media": anything,
        "tracking_data": anything | st.just('{"b": ["x"], "ph": "1.2"}'),
        "contact": st.fixed_dictionaries({}, optional={"phone_number": anything, "name": anything})
        | anything,
        "location": st.fixed_dictionaries({}, optional={"lat": anything, "lon": anything})
        | anything,
        "sticker_id": anything,
        "file_name": anything,
        "size": anything,
    },
)
event_shaped = st.fixed_dictionaries(
    {"event": events | anything},
    optional={
        "timestamp": anything,
        "message_token": st.integers(min_value=0, max_value=2**62) | anything,
        "sender": user | anything,
        "user": user | anything,
        "user_id": anything,
        "message": message | anything,
        "desc": anything,
        "type": anything,
        "subscribed": anything,
    },
)
payloads = (
    st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | event_shaped.map(lambda v: json.dumps(v).encode())
    | event_shaped.map(lambda v: json.dumps(v).encode()[: len(json.dumps(v)) // 2])
)
ALIVE = json.dumps({"event": "webhook", "timestamp": 1, "message_token": 1}).encode()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the fuzz is about parsing, and thousands of examples on both databases are
    slow; storage on PostgreSQL is covered by the webhook tests."""
    return f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}"


@pytest.fixture
async def client(
    sessions: async_sessionmaker[AsyncSession], viber_sender: ViberSender
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    webhook = ViberWebhook(Inbox(sessions), viber_sender, VIBER_TOKEN, max_bytes=4096)
    app.router.add_post(WEBHOOK_PATH, webhook.handle)
    async with TestClient(TestServer(app)) as client:
        yield client


@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=payloads, signed=st.booleans())
async def test_malformed_callbacks_never_5xx(
    client: TestClient[web.Request, web.Application], body: bytes, signed: bool
) -> None:
    headers: dict[str, Any] = {"Content-Type": "application/json"}
    if signed:
        headers[SIGNATURE_HEADER] = signature(VIBER_TOKEN, body)
    async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
        assert response.status < 500, await response.text()
        if not signed:
            assert response.status == 403
    alive = {SIGNATURE_HEADER: signature(VIBER_TOKEN, ALIVE)}
    async with client.post(WEBHOOK_PATH, data=ALIVE, headers=alive) as response:
        assert response.status == 200
