"""The ticket-store flows a citizen goes through, end to end: web chat → Rasa → actions → reply.

A bound chat is bound the way identification leaves it (a verified binding row for the chat's
sender id); identification itself through a verified phone share is exercised over Telegram and
Viber, where phone shares exist.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from actions import demo
from actions.store.models import AppealStatus, Citizen
from actions.store.queries import bind_chat
from actions.texts import TEXTS
from adapters.webchat import texts as webchat_texts
from bot.storage import create_engine, create_session_factory, session_scope, utcnow
from tests.e2e.webchat_client import is_bot, open_chat, press, read_until, say
from tests.support import ROOT

pytestmark = pytest.mark.rasa


async def _bind(database_url: str, chat: str, phone: str = demo.DEMO_CITIZEN_PHONE) -> None:
    engine = create_engine(database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            citizen = await session.scalar(select(Citizen).where(Citizen.phone == phone))
            assert citizen is not None
            await bind_chat(session, f"webchat:{chat}", citizen, "test", utcnow())
    finally:
        await engine.dispose()


@pytest.fixture
async def citizen(
    app_server: TestServer,
) -> AsyncIterator[tuple[aiohttp.ClientWebSocketResponse, str]]:
    """A fresh web chat (its own conversation, its own abuse counters)."""
    async with aiohttp.ClientSession() as http:
        socket, chat = await open_chat(http, app_server)
        yield socket, chat
        await socket.close()


@pytest.mark.parametrize(
    ("number", "status"),
    [(number, status) for status, number in demo.DEMO_APPEALS_BY_STATUS.items()],
)
async def test_bound_citizen_sees_every_status(
    citizen: tuple[aiohttp.ClientWebSocketResponse, str],
    demo_database: str,
    number: str,
    status: AppealStatus,
) -> None:
    socket, chat = citizen
    await _bind(demo_database, chat)
    reply = await say(socket, f"какой статус у заявления {number}")
    assert f"№ {number}" in reply["text"]
    assert TEXTS.status_labels[status] in reply["text"]


async def test_unbound_citizen_is_asked_to_identify_and_sees_nothing(
    citizen: tuple[aiohttp.ClientWebSocketResponse, str],
) -> None:
    socket, _ = citizen
    reply = await say(socket, f"где мое заявление {demo.APPEAL_IN_PROGRESS}")
    # the web chat cannot prove a phone: it says where identification works (no consent
    # question it could not act on; the messengers ask for consent first)
    assert webchat_texts.text("identify_in_messenger") in reply["text"]
    assert reply["buttons"] == []
    assert TEXTS.status_labels[AppealStatus.IN_PROGRESS] not in reply["text"]


async def test_someone_elses_number_reads_exactly_like_an_unknown_one(
    citizen: tuple[aiohttp.ClientWebSocketResponse, str], demo_database: str
) -> None:
    socket, chat = citizen
    await _bind(demo_database, chat)
    foreign = await say(socket, f"статус заявления {demo.OTHER_CITIZEN_APPEAL}")
    unknown = await say(socket, f"статус заявления {demo.UNKNOWN_APPEAL}")
    assert foreign["text"] == TEXTS.appeal_not_found.format(number=demo.OTHER_CITIZEN_APPEAL)
    assert unknown["text"] == TEXTS.appeal_not_found.format(number=demo.UNKNOWN_APPEAL)


async def test_malformed_number_is_explained(
    citizen: tuple[aiohttp.ClientWebSocketResponse, str], demo_database: str
) -> None:
    socket, chat = citizen
    await _bind(demo_database, chat)
    ask = await say(socket, "хочу узнать статус заявления")
    assert "номер заявления" in ask["text"]
    reply = await say(socket, "номер 12-34")
    assert reply["text"] == TEXTS.appeal_number_malformed


async def test_overdue_appeal_apologises_and_offers_an_operator(
    citizen: tuple[aiohttp.ClientWebSocketResponse, str], demo_database: str
) -> None:
    socket, chat = citizen
    await _bind(demo_database, chat)
    reply = await say(socket, f"статус {demo.APPEAL_OVERDUE}")
    assert "Приносим извинения: срок рассмотрения истёк" in reply["text"]
    assert any("оператор" in button["title"].lower() for button in reply["buttons"])


async def test_subscribed_citizen_is_told_when_the_status_changes(
    citizen: tuple[aiohttp.ClientWebSocketResponse, str], demo_database: str
) -> None:
    socket, chat = citizen
    await _bind(demo_database, chat)
    number = demo.APPEAL_IN_PROGRESS
    status = await say(socket, f"статус заявления {number}")
    subscribe = next(b for b in status["buttons"] if "Подписаться" in b["title"])
    done = await press(socket, subscribe["payload"], subscribe["title"])
    assert done["text"] == TEXTS.subscribed.format(number=number)

    env = {**os.environ, "DATABASE_URL": demo_database, "PYTHONPATH": str(ROOT)}
    command = [str(ROOT / ".venv/bin/python"), "-m", "actions.cli", "set-status", number]
    process = await asyncio.create_subprocess_exec(
        *command,
        "approved",
        "--comment",
        "Паспорт готов к выдаче",
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await process.communicate()
    assert process.returncode == 0
    assert "chats to notify: 1" in stdout.decode()
    notice = await read_until(socket, is_bot, wait_s=30)
    assert notice["text"].startswith(
        TEXTS.status_notification.format(number=number, status="Одобрено")
    )
    assert "Паспорт готов к выдаче" in notice["text"]
    # The demo appeal is shared by the whole run: give it back its status for later tests.
    restore = await asyncio.create_subprocess_exec(
        *command, "in_progress", env=env, stdout=asyncio.subprocess.DEVNULL
    )
    assert await restore.wait() == 0


async def test_known_incident_is_named_with_its_recovery_time(
    citizen: tuple[aiohttp.ClientWebSocketResponse, str],
) -> None:
    socket, _ = citizen
    reply = await say(socket, "не работает раздел налоги, не могу оплатить задолженность")
    assert reply["text"].startswith("Да, мы знаем о проблеме")


async def test_unknown_failure_ends_with_an_incident_ticket_number(
    citizen: tuple[aiohttp.ClientWebSocketResponse, str],
) -> None:
    socket, _ = citizen
    advice = await say(socket, "сайт не грузится, белый экран")
    assert advice["text"].startswith("Известных сбоев сейчас нет")
    ticket = await say(socket, "нет, не помогло")
    assert "Зарегистрировано обращение в техподдержку № INC-" in ticket["text"]
