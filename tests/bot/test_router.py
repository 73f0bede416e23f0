"""The router against an HTTP server speaking Rasa's app-channel protocol (unit level).

The end-to-end tests in tests/e2e use the real Rasa; here the server lets a test switch
Rasa "off" and "on" precisely and count the turns it received.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.facts import FactSigner
from bot.inbox import Inbox
from bot.messages import InboundMessage
from bot.metrics import Metrics
from bot.models import InboxItem, ItemStatus, OutboxItem
from bot.outbox import Outbox
from bot.rasa_client import RasaClient
from bot.router import CustomPayloadHandler, Router
from bot.storage import session_scope, utcnow
from bot.turns import TurnHook, TurnSignal


class RasaLike:
    """Answers like rasa_server.channel.AppInput; `up` toggles 503s; records every turn."""

    def __init__(self) -> None:
        self.up = True
        self.turns: list[dict[str, Any]] = []

    async def status(self, request: web.Request) -> web.Response:
        if not self.up:
            return web.json_response({"error": "loading"}, status=503)
        return web.json_response({"model_file": "model.tar.gz"})

    async def webhook(self, request: web.Request) -> web.Response:
        if not self.up:
            return web.json_response({"error": "loading"}, status=503)
        assert request.headers["Authorization"] == "Bearer t"
        body = await request.json()
        self.turns.append(body)
        return web.json_response(
            {
                "messages": [
                    {"recipient_id": body["sender"], "text": f"эхо: {body['message']}"},
                    {"recipient_id": body["sender"], "custom": {"handoff": {"topic": "access"}}},
                ],
                "intent": {"name": "greet", "confidence": 0.99},
            }
        )


@pytest.fixture
async def rasa_like() -> AsyncIterator[tuple[RasaLike, str]]:
    fake = RasaLike()
    app = web.Application()
    app.router.add_post("/webhooks/app/webhook", fake.webhook)
    app.router.add_get("/status", fake.status)
    server = TestServer(app)
    await server.start_server()
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()


def _router(
    sessions: async_sessionmaker[AsyncSession],
    http: aiohttp.ClientSession,
    url: str,
    *,
    poll_interval_s: float = 0.1,
    backoff_max_s: float = 0,
    custom_handlers: dict[str, CustomPayloadHandler] | None = None,
    on_turn: TurnHook | None = None,
) -> tuple[Inbox, Router]:
    metrics = Metrics()
    inbox = Inbox(sessions)
    outbox = Outbox(sessions, metrics, max_attempts=3, backoff_max_s=0, poll_interval_s=0.1)
    router = Router(
        sessions,
        inbox,
        outbox,
        RasaClient(http, url, "t", 5),
        metrics,
        instance="test",
        lease_s=30,
        poll_interval_s=poll_interval_s,
        backoff_max_s=backoff_max_s,
        max_text_chars=4000,
        facts=FactSigner(b"test-facts-key"),
        custom_handlers=custom_handlers,
        on_turn=on_turn,
    )
    return inbox, router


@pytest.fixture
async def parts(
    sessions: async_sessionmaker[AsyncSession], rasa_like: tuple[RasaLike, str]
) -> AsyncIterator[tuple[Inbox, Router, list[tuple[str, dict[str, Any]]]]]:
    _, url = rasa_like
    async with aiohttp.ClientSession() as http:
        handoffs: list[tuple[str, dict[str, Any]]] = []

        async def on_handoff(_: AsyncSession, conversation: str, value: dict[str, Any]) -> None:
            handoffs.append((conversation, value))

        inbox, router = _router(sessions, http, url, custom_handlers={"handoff": on_handoff})
        yield inbox, router, handoffs


def _msg(n: int) -> InboundMessage:
    return InboundMessage(
        channel="telegram", chat_id="7", user_id="7", external_id=str(n), text=f"сообщение {n}"
    )


async def _outbox_texts(sessions: async_sessionmaker[AsyncSession]) -> list[str | None]:
    async with sessions() as session:
        items = await session.scalars(select(OutboxItem).order_by(OutboxItem.id))
        return [item.message.get("text") for item in items]


async def test_turns_run_in_order_and_custom_payloads_reach_their_handler(
    sessions: async_sessionmaker[AsyncSession],
    rasa_like: tuple[RasaLike, str],
    parts: tuple[Inbox, Router, list[tuple[str, dict[str, Any]]]],
) -> None:
    fake, _ = rasa_like
    inbox, router, handoffs = parts
    for n in range(3):
        await inbox.accept(_msg(n))
    await router.drain()
    assert [t["message"] for t in fake.turns] == ["сообщение 0", "сообщение 1", "сообщение 2"]
    assert fake.turns[0]["sender"] == "telegram:7"
    assert await _outbox_texts(sessions) == [f"эхо: сообщение {n}" for n in range(3)]
    assert handoffs[0] == ("telegram:7", {"topic": "access"})


async def test_every_citizen_turn_reaches_the_turn_hook_with_what_rasa_made_of_it(
    sessions: async_sessionmaker[AsyncSession], rasa_like: tuple[RasaLike, str]
) -> None:
    heard: list[TurnSignal] = []

    async def on_turn(_: AsyncSession, signal: TurnSignal) -> None:
        heard.append(signal)

    _, url = rasa_like
    async with aiohttp.ClientSession() as http:
        inbox, router = _router(sessions, http, url, on_turn=on_turn)
        await inbox.accept(_msg(1))
        await inbox.accept(_msg(2).model_copy(update={"resume_bot": True}))  # the app's own turn
        await router.drain()
    assert [(s.conversation_id, s.channel, s.intent, s.confidence) for s in heard] == [
        ("telegram:7", "telegram", "greet", 0.99)
    ]


async def test_rasa_down_tells_citizen_once_and_answers_when_back(
    sessions: async_sessionmaker[AsyncSession],
    rasa_like: tuple[RasaLike, str],
    parts: tuple[Inbox, Router, list[tuple[str, dict[str, Any]]]],
) -> None:
    fake, _ = rasa_like
    inbox, router, _ = parts
    fake.up = False
    await inbox.accept(_msg(1))
    await router.drain()
    await router.drain()
    texts = await _outbox_texts(sessions)
    assert len(texts) == 1
    assert "перегружен" in (texts[0] or "")
    fake.up = True
    await router.drain()
    assert (await _outbox_texts(sessions))[1:] == ["эхо: сообщение 1"]
    async with sessions() as session:
        item = await session.scalar(select(InboxItem))
        assert item is not None
        assert item.status == ItemStatus.DONE


async def test_turns_waiting_for_rasa_are_due_the_moment_it_is_back(
    sessions: async_sessionmaker[AsyncSession], rasa_like: tuple[RasaLike, str]
) -> None:
    """Exponential backoff must not outlast the outage: a watcher makes the turn due at once."""
    fake, url = rasa_like
    fake.up = False
    async with aiohttp.ClientSession() as http:
        # without the watcher a postponed turn would wait up to an hour
        inbox, router = _router(sessions, http, url, poll_interval_s=0.05, backoff_max_s=3600)
        await inbox.accept(_msg(1))
        for _ in range(5):  # five failed attempts: the next one is 16 s away
            async with session_scope(sessions) as session:
                await session.execute(update(InboxItem).values(next_attempt_at=utcnow()))
            await router.drain()
        async with sessions() as session:
            item = await session.scalar(select(InboxItem))
            assert item is not None
            assert item.next_attempt_at > utcnow() + timedelta(seconds=10)
        inbox.arrived.clear()
        fake.up = True
        await asyncio.wait_for(inbox.arrived.wait(), 5)  # the watcher saw Rasa back
        await router.drain()
    assert (await _outbox_texts(sessions))[1:] == ["эхо: сообщение 1"]
