"""Handoff fixtures: a fixed clock, a Rasa-like HTTP server, the real service on a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.facts import FactSigner
from bot.inbox import Inbox
from bot.messages import InboundKind, InboundMessage
from bot.metrics import Metrics
from bot.models import OutboxItem
from bot.outbox import Outbox
from bot.rasa_client import RasaClient
from bot.router import Router
from bot.settings import PROJECT_ROOT
from bot.storage import session_scope
from handoff.config import HandoffConfig, load_config, seed_groups
from handoff.models import Operator, OperatorMembership, Presence, Role
from handoff.service import HandoffService

# Wednesday 25 November 2026, 12:00 in Moscow: a working day, every group open.
WORKING_NOON = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
# The same day at 22:30 in Moscow: every group closed until 08:00 tomorrow.
LATE_EVENING = datetime(2026, 11, 25, 19, 30, tzinfo=UTC)


class FixedClock:
    """The service's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class RasaLike:
    """Answers like rasa_server.channel.AppInput and the tracker events API; logs both in order."""

    log: list[tuple[str, str, Any]] = field(default_factory=list)

    def turns(self) -> list[str]:
        return [body for kind, _, body in self.log if kind == "turn"]

    def events(self, sender: str) -> list[str]:
        return [
            e["event"]
            for kind, who, body in self.log
            if kind == "events"
            for e in body
            if who == sender
        ]

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        message = body["message"]
        self.log.append(("turn", body["sender"], message))
        return web.json_response({"messages": self._answer(message), "intent": {"name": "x"}})

    async def tracker_events(self, request: web.Request) -> web.Response:
        assert request.query["token"] == "t"
        self.log.append(("events", request.match_info["sender"], await request.json()))
        return web.json_response({})

    @staticmethod
    def _answer(message: str) -> list[dict[str, Any]]:
        if "оператор" in message:
            return [{"custom": {"handoff": {"topic": "access", "reason": "requested"}}}]
        if message == "/leave_queue":
            return [
                {"text": "Хорошо, я убрал ваш запрос из очереди.", "custom": {"leave_queue": {}}}
            ]
        if message == "/handoff_closed":
            buttons = [{"title": str(n), "payload": f'/rate{{"rating": {n}}}'} for n in range(1, 6)]
            return [{"text": "Оцените, пожалуйста, от 1 до 5.", "buttons": buttons}]
        if message.startswith("/rate"):
            rating = int(message.split(":")[1].strip(" }"))
            return [{"custom": {"csat": {"rating": rating}}}, {"text": "Спасибо за оценку!"}]
        return [{"text": f"эхо: {message}"}]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(WORKING_NOON)


@pytest.fixture
def config() -> HandoffConfig:
    return load_config(PROJECT_ROOT / "content" / "handoff.yml")


@pytest.fixture
async def rasa_like() -> AsyncIterator[tuple[RasaLike, str]]:
    fake = RasaLike()
    app = web.Application()
    app.router.add_post("/webhooks/app/webhook", fake.webhook)
    app.router.add_post("/conversations/{sender}/tracker/events", fake.tracker_events)
    server = TestServer(app)
    await server.start_server()
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()


@dataclass
class Parts:
    """The real inbox, outbox, router and handoff service wired as the app wires them."""

    sessions: async_sessionmaker[AsyncSession]
    inbox: Inbox
    outbox: Outbox
    router: Router
    service: HandoffService
    rasa: RasaLike
    clock: FixedClock
    rasa_client: RasaClient
    ratings_heard: list[tuple[str, str, int]]


@pytest.fixture
async def parts(
    sessions: async_sessionmaker[AsyncSession],
    rasa_like: tuple[RasaLike, str],
    clock: FixedClock,
    config: HandoffConfig,
) -> AsyncIterator[Parts]:
    fake, url = rasa_like
    async with aiohttp.ClientSession() as http:
        metrics = Metrics()
        inbox = Inbox(sessions)
        outbox = Outbox(sessions, metrics, max_attempts=3, backoff_max_s=0, poll_interval_s=0.1)
        rasa = RasaClient(http, url, "t", 5)
        heard: list[tuple[str, str, int]] = []

        async def on_rating(
            _: AsyncSession, conversation: str, channel: str, rating: int, __: datetime
        ) -> None:
            heard.append((conversation, channel, rating))

        service = HandoffService(
            sessions, inbox, outbox, rasa, config, clock=clock, on_rating=on_rating
        )
        router = Router(
            sessions,
            inbox,
            outbox,
            rasa,
            metrics,
            instance="test",
            lease_s=30,
            poll_interval_s=0.1,
            backoff_max_s=0,
            max_text_chars=4000,
            facts=FactSigner(b"test-facts-key"),
            custom_handlers={
                "handoff": service.intake.on_handoff,
                "csat": service.intake.on_csat,
                "leave_queue": service.intake.on_leave_queue,
            },
            held_message_handler=service.intake.on_citizen_message,
        )
        async with session_scope(sessions) as session:
            await seed_groups(session, config)
        yield Parts(sessions, inbox, outbox, router, service, fake, clock, rasa, heard)
        await service.settle()


async def add_operator(
    sessions: async_sessionmaker[AsyncSession],
    login: str,
    groups: list[str],
    *,
    presence: Presence = Presence.OFFLINE,
    max_chats: int = 3,
    role: Role = Role.OPERATOR,
    presence_at: datetime = WORKING_NOON,
) -> Operator:
    """An operator row (the password hash is irrelevant to the service)."""
    async with session_scope(sessions) as session:
        operator = Operator(
            login=login,
            name=f"Оператор {login}",
            password_hash="-",
            role=role,
            max_chats=max_chats,
            presence=presence,
            presence_at=presence_at,
        )
        session.add(operator)
        await session.flush()
        for group in groups:
            session.add(OperatorMembership(operator_id=operator.id, group_code=group))
    return operator


def citizen_message(
    chat: str, n: int, text: str | None = None, payload: str | None = None
) -> InboundMessage:
    """A Telegram message of chat `chat`; a payload makes it a button press."""
    return InboundMessage(
        channel="telegram",
        chat_id=chat,
        user_id=chat,
        external_id=f"{chat}-{n}",
        kind=InboundKind.BUTTON if payload else InboundKind.TEXT,
        text=text,
        payload=payload,
    )


async def request_operator(parts: Parts, chat: str, topic: str = "access", n: int = 0) -> str:
    """The citizen's chat exists and Rasa returned a `handoff` payload for it."""
    await parts.inbox.accept(citizen_message(chat, 1000 + n, "позовите оператора"))
    conversation = f"telegram:{chat}"
    async with session_scope(parts.sessions) as session:
        await parts.service.intake.on_handoff(
            session, conversation, {"topic": topic, "reason": "requested", "summary": "вход"}
        )
    await parts.service.settle()
    return conversation


async def sent(sessions: async_sessionmaker[AsyncSession], conversation: str) -> list[OutboxItem]:
    """What is queued for the citizen, oldest first."""
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxItem)
            .where(OutboxItem.conversation_id == conversation)
            .order_by(OutboxItem.id)
        )
        return list(rows)
