"""The web chat socket against bad frames and a flooding page, through the real app."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.keys import OUTBOX
from bot.models import InboxItem, ItemStatus
from bot.settings import Settings
from bot.texts import text

Client = TestClient[web.Request, web.Application]
Socket = aiohttp.ClientWebSocketResponse
BURST = 6


@pytest.fixture
async def client(database_url: str, engine: AsyncEngine) -> AsyncIterator[Client]:
    """The app with its default flood policy; the router is off, so nothing reaches Rasa."""
    settings = Settings(_env_file=None, database_url=database_url, flood_burst=BURST)
    async with TestClient(TestServer(await create_app(settings, run_workers=False))) as client:
        yield client


async def open_socket(client: Client) -> Socket:
    socket = await client.ws_connect("/chat/ws")
    assert (await socket.receive_json())["type"] == "session"
    return socket


async def still_serves(socket: Socket, client_id: str) -> None:
    """After whatever came before, the same socket takes a normal message."""
    await socket.send_json({"type": "message", "id": client_id, "text": "привет"})
    assert await socket.receive_json(timeout=15) == {"type": "ack", "id": client_id}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BAD_FRAMES: list[tuple[str, str, str]] = [
    ("deeply nested array", nested(20_000), "malformed"),
    (
        "deeply nested in the text field",
        '{"type":"message","id":"n1","text":' + nested(15_000) + "}",
        "malformed",
    ),
    ("not JSON", "{nope", "malformed"),
    ("JSON but not an object", "[1, 2]", "malformed"),
    ("text is a number", '{"type":"message","id":"w1","text":5}', "malformed"),
    ("id is an object", '{"type":"message","id":{"a":1},"text":"x"}', "malformed"),
    ("payload is a list", '{"type":"button","id":"w2","payload":["x"]}', "malformed"),
    ("unknown type", '{"type":"upload","id":"w3"}', "malformed"),
    ("blank text", '{"type":"message","id":"w4","text":"   "}', "malformed"),
    (
        "only control characters",
        '{"type":"message","id":"w5","text":"\\u0000\\u0007 "}',
        "malformed",
    ),
    (
        "oversized",
        json.dumps({"type": "message", "id": "big", "text": "я" * 300_000}, ensure_ascii=False),
        "too_large",
    ),
]


@pytest.mark.parametrize(("case", "frame", "error"), BAD_FRAMES, ids=[c[0] for c in BAD_FRAMES])
async def test_bad_frame_gets_an_error_frame_and_the_socket_stays_open(
    client: Client, caplog: pytest.LogCaptureFixture, case: str, frame: str, error: str
) -> None:
    socket = await open_socket(client)
    with caplog.at_level(logging.DEBUG):
        await socket.send_str(frame)
        reply = await socket.receive_json(timeout=5)
        assert reply["type"] == "error"
        assert reply["error"] == error
        await still_serves(socket, "after-bad-frame")
    assert not [r for r in caplog.records if r.exc_info], "no traceback is logged"
    await socket.close()


async def test_error_frame_names_the_message_the_page_sent(client: Client) -> None:
    socket = await open_socket(client)
    await socket.send_str('{"type":"message","id":"w9","text":["x"]}')
    assert await socket.receive_json(timeout=5) == {
        "type": "error",
        "error": "malformed",
        "id": "w9",
    }
    await socket.close()


async def test_binary_frame_gets_an_error_frame(client: Client) -> None:
    socket = await open_socket(client)
    await socket.send_bytes(b"\x00\x01")
    assert await socket.receive_json(timeout=5) == {"type": "error", "error": "text_only"}
    await still_serves(socket, "after-binary")
    await socket.close()


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(InboxItem.status).order_by(InboxItem.id)))


async def frames_until_quiet(socket: Socket) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while True:
        try:
            message = await socket.receive(timeout=3)
        except TimeoutError:
            return frames
        if message.type is not WSMsgType.TEXT:
            return frames
        frames.append(json.loads(message.data))


async def test_flood_of_500_messages_in_3_seconds_queues_a_bounded_number_of_turns(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The probe of issue 10: one chat, 500 messages in about 3 s. Rasa gets only the chat's
    allowance, the citizen is told once to slow down, and after the window they are served."""
    socket = await open_socket(client)
    started = time.monotonic()
    for n in range(500):
        await socket.send_json({"type": "message", "id": f"f{n}", "text": f"флуд {n}"})
        await asyncio.sleep(3 / 500)
    acks = 0
    while acks < 500:  # every message is taken (and kept): the page re-sends none of them
        frame = await socket.receive_json(timeout=30)
        assert frame["type"] == "ack", frame  # the router is off: nothing else is said yet
        acks += 1
    elapsed = time.monotonic() - started  # the allowance refilled for as long as this took
    stored = await statuses(sessions)
    turns = stored.count(ItemStatus.PENDING)
    assert len(stored) == 500
    assert BURST <= turns <= BURST + elapsed + 1, (turns, elapsed)
    assert stored.count(ItemStatus.DROPPED) == 500 - turns
    async with client.get("/metrics") as response:
        dropped = (
            f'gospom_messages_dropped_total{{channel="webchat",reason="flood"}} {500 - turns}.0'
        )
        assert dropped in await response.text()
    # the one notice reaches the open page when the outbox delivers it
    await client.app[OUTBOX].deliver_due()
    pushed = [f for f in await frames_until_quiet(socket) if f["type"] == "message"]
    assert [f["text"] for f in pushed] == [text("flood_notice")]
    # a citizen who waits is served again
    await asyncio.sleep(1.2)
    await still_serves(socket, "after-the-window")
    assert (await statuses(sessions))[-1] == ItemStatus.PENDING
    await socket.close()
