"""The router with the handoff service: held conversations bypass Rasa, closing resumes it."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import InboxItem, ItemStatus, TranscriptEntry
from bot.storage import session_scope
from handoff.models import ChatStatus, HandoffChat, Rating
from tests.handoff.conftest import Parts, add_operator, citizen_message, sent

CONVERSATION = "telegram:7"


async def _ask_for_operator(parts: Parts) -> HandoffChat:
    await parts.inbox.accept(citizen_message("7", 1, "позовите оператора"))
    await parts.router.drain()
    await parts.service.settle()
    async with parts.sessions() as session:
        chat: HandoffChat | None = await session.scalar(select(HandoffChat))
    assert chat is not None
    return chat


async def test_messages_of_a_held_conversation_reach_the_operator_not_rasa(parts: Parts) -> None:
    chat = await _ask_for_operator(parts)
    assert chat.status == ChatStatus.QUEUED
    assert parts.rasa.turns() == ["позовите оператора"]
    assert parts.rasa.events(CONVERSATION) == ["pause"]
    seen = parts.service.changed.generation
    await parts.inbox.accept(citizen_message("7", 2, "алло, вы тут?"))
    await parts.router.drain()
    assert parts.rasa.turns() == ["позовите оператора"]  # the bot stays silent
    assert len(await sent(parts.sessions, CONVERSATION)) == 1  # only the queue message
    assert parts.service.changed.generation > seen
    async with parts.sessions() as session:
        statuses = list(await session.scalars(select(InboxItem.status).order_by(InboxItem.id)))
        lines = list(
            await session.scalars(
                select(TranscriptEntry.text).where(TranscriptEntry.author == "citizen")
            )
        )
    assert statuses == [ItemStatus.DONE, ItemStatus.DONE]
    assert "алло, вы тут?" in lines


async def test_close_resumes_rasa_before_the_rating_turn_and_the_rating_is_stored(
    parts: Parts,
) -> None:
    operator = await add_operator(parts.sessions, "a", ["access"])
    chat = await _ask_for_operator(parts)
    async with session_scope(parts.sessions) as session:
        await parts.service.desk.take(session, operator, chat.id)
        await parts.service.desk.reply(session, operator, chat.id, "Проверьте раскладку.")
    async with session_scope(parts.sessions) as session:
        await parts.service.desk.close(session, operator, chat.id, "solved")
    await parts.router.drain()
    sender_log = [(kind, body) for kind, who, body in parts.rasa.log if who == CONVERSATION]
    assert sender_log[-2:] == [("events", [{"event": "resume"}]), ("turn", "/handoff_closed")]
    question = (await sent(parts.sessions, CONVERSATION))[-1].message
    assert "от 1 до 5" in question["text"]
    assert question["buttons"][3] == {"title": "4", "payload": '/rate{"rating": 4}'}
    await parts.inbox.accept(
        citizen_message("7", 3, "4", payload=question["buttons"][3]["payload"])
    )
    await parts.router.drain()
    async with parts.sessions() as session:
        ratings = list(await session.execute(select(Rating.chat_id, Rating.rating)))
    assert [tuple(r) for r in ratings] == [(chat.id, 4)]
    assert (await sent(parts.sessions, CONVERSATION))[-1].message["text"] == "Спасибо за оценку!"


async def test_leave_queue_button_resumes_rasa_and_rasa_answers(parts: Parts) -> None:
    await _ask_for_operator(parts)
    await parts.inbox.accept(citizen_message("7", 2, "Выйти из очереди", payload="/leave_queue"))
    await parts.router.drain()
    sender_log = [(kind, body) for kind, who, body in parts.rasa.log if who == CONVERSATION]
    assert sender_log[-2:] == [("events", [{"event": "resume"}]), ("turn", "/leave_queue")]
    async with parts.sessions() as session:
        chat = await session.scalar(select(HandoffChat))
    assert chat is not None
    assert chat.status == ChatStatus.LEFT
    assert "убрал ваш запрос" in ((await sent(parts.sessions, CONVERSATION))[-1].message["text"])
    await parts.inbox.accept(citizen_message("7", 3, "спасибо"))
    await parts.router.drain()
    assert parts.rasa.turns()[-1] == "спасибо"  # the bot answers again
