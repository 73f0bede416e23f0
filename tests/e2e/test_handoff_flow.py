"""A citizen reaches a live operator and back, end to end: web chat → Rasa → queue → operator.

The operator acts through the handoff service (the console API calls the same methods); the
citizen sees everything through the real web chat socket, Rasa and the action server.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keys import SESSIONS
from bot.storage import session_scope
from handoff.keys import HANDOFF
from handoff.models import (
    ChatStatus,
    HandoffChat,
    Operator,
    OperatorGroup,
    OperatorMembership,
    Rating,
)
from tests.e2e.webchat_client import is_bot, open_chat, press, read_until, say
from tests.support import unique_name

pytestmark = pytest.mark.rasa

ROUND_THE_CLOCK = {
    kind: {"open": "00:00", "close": "24:00"} for kind in ("weekday", "weekend", "holiday")
}


async def _operator(sessions: async_sessionmaker[AsyncSession]) -> Operator:
    """An access-group operator who is offline, so nothing is auto-assigned behind the test."""
    async with session_scope(sessions) as session:
        # whatever the hour the test runs at, the groups work (admins may edit hours like this)
        await session.execute(update(OperatorGroup).values(hours=ROUND_THE_CLOCK))
        operator = Operator(login=unique_name("op"), name="Ольга", password_hash="-")
        session.add(operator)
        await session.flush()
        session.add(OperatorMembership(operator_id=operator.id, group_code="access"))
    return operator


async def _rating(sessions: async_sessionmaker[AsyncSession], chat_id: int) -> int | None:
    for _ in range(50):
        async with sessions() as session:
            rating = await session.scalar(select(Rating.rating).where(Rating.chat_id == chat_id))
        if rating is not None:
            return int(rating)
        await asyncio.sleep(0.2)
    return None


async def test_citizen_reaches_an_operator_and_rates_the_conversation(
    app_server: TestServer,
) -> None:
    service = app_server.app[HANDOFF]
    sessions = app_server.app[SESSIONS]
    operator = await _operator(sessions)
    async with sessions() as session:  # other end-to-end tests may have left chats waiting
        ahead = await session.scalar(
            select(func.count())
            .select_from(HandoffChat)
            .where(HandoffChat.group_code == "access", HandoffChat.status == ChatStatus.QUEUED)
        )
    async with aiohttp.ClientSession() as http:
        socket, chat = await open_chat(http, app_server)
        queued = await say(socket, "позовите оператора")
        assert f"место в очереди: {int(ahead or 0) + 1}," in queued["text"]
        assert {"title": "Выйти из очереди", "payload": "/leave_queue"} in queued["buttons"]

        async with sessions() as session:
            handoff = await session.scalar(
                select(HandoffChat).where(HandoffChat.conversation_id == f"webchat:{chat}")
            )
        assert handoff is not None
        async with session_scope(sessions) as session:
            await service.desk.take(session, operator, handoff.id)
        await read_until(socket, lambda f: is_bot(f) and "Оператор подключился" in f["text"])

        async with session_scope(sessions) as session:
            await service.desk.reply(
                session, operator, handoff.id, "Здравствуйте! Меня зовут Ольга."
            )
        reply = await read_until(socket, is_bot)
        assert reply["text"] == "Здравствуйте! Меня зовут Ольга."

        async with session_scope(sessions) as session:
            await service.desk.close(session, operator, handoff.id, "solved")
        question = await read_until(socket, lambda f: is_bot(f) and bool(f["buttons"]))
        assert '/rate{"rating": 4}' in [b["payload"] for b in question["buttons"]]

        thanks = await press(socket, '/rate{"rating": 4}', "4")
        assert "Спасибо" in thanks["text"]
        assert await _rating(sessions, handoff.id) == 4
        await socket.close()
