"""Which citizen messages land in the review queue, masked and counted once per text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Conversation, TranscriptEntry
from bot.storage import session_scope, utcnow
from bot.turns import TurnSignal
from review.models import ReviewItem, ReviewStatus
from review.triggers import fallback_threshold, note_rating, note_turn

CONVERSATION = "webchat:review-1"


async def _line(session: AsyncSession, author: str, text: str | None, **fields: Any) -> int:
    if await session.get(Conversation, CONVERSATION) is None:
        session.add(Conversation(id=CONVERSATION, channel="webchat", chat_id="review-1"))
        await session.flush()
    line = TranscriptEntry(conversation_id=CONVERSATION, author=author, text=text, **fields)
    session.add(line)
    await session.flush()
    return line.id


def _turn(intent: str | None, confidence: float | None, payload: str | None = None) -> TurnSignal:
    return TurnSignal(CONVERSATION, "webchat", intent, confidence, payload, utcnow())


async def _queue(sessions: async_sessionmaker[AsyncSession]) -> list[ReviewItem]:
    async with session_scope(sessions) as session:
        return list(await session.scalars(select(ReviewItem).order_by(ReviewItem.id)))


def test_the_threshold_is_the_fallback_classifiers() -> None:
    assert fallback_threshold() == 0.6


async def test_an_unsure_turn_is_queued_masked_never_raw(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(sessions) as session:
        await _line(session, "citizen", "мой телефон +7 916 123-45-67 а код не идёт")
        await note_turn(session, _turn("password_reset", 0.41))
    (item,) = await _queue(sessions)
    assert item.text == "мой телефон <телефон> а код не идёт"
    assert (item.intent, item.confidence, item.channel) == ("password_reset", 0.41, "webchat")
    assert item.reasons == ["low_confidence"]
    assert item.conversation_id == CONVERSATION
    assert item.line_id is not None


async def test_a_confident_turn_is_not_queued(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(sessions) as session:
        await _line(session, "citizen", "забыл пароль")
        await note_turn(session, _turn("password_reset", 0.97))
    assert await _queue(sessions) == []


async def test_fallback_then_a_request_for_a_person_queues_the_misunderstood_line(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(sessions) as session:
        await _line(session, "citizen", "куда жмакать то", intent="password_reset", confidence=0.8)
        await _line(session, "citizen", "дайте человека")
        await note_turn(session, _turn("request_operator", 0.95))
    (item,) = await _queue(sessions)
    assert (item.text, item.reasons, item.intent) == (
        "куда жмакать то",
        ["asked_for_person"],
        "password_reset",
    )


async def test_choosing_another_guess_than_the_top_one_is_a_correction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(sessions) as session:
        await _line(session, "citizen", "не грузит ничего", intent="nlu_fallback", confidence=0.4)
        await note_turn(session, _turn("nlu_fallback", 0.4))
        buttons = [
            {"title": "Пароль", "payload": "/password_reset"},
            {"title": "Сбой", "payload": "/service_unavailable"},
        ]
        await _line(session, "bot", "Вы имели в виду?", payload={"buttons": buttons})
        await _line(session, "citizen", "Сбой", payload={"payload": "/service_unavailable"})
        await note_turn(session, _turn("service_unavailable", 1.0, "/service_unavailable"))
    (item,) = await _queue(sessions)
    assert item.reasons == ["fallback", "corrected"]
    assert (item.intent, item.chosen_intent, item.count) == (
        "password_reset",
        "service_unavailable",
        1,
    ), "the same line counts once, whatever the number of reasons"


async def test_choosing_the_top_guess_is_no_correction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(sessions) as session:
        await _line(session, "citizen", "не грузит ничего", intent="nlu_fallback", confidence=0.4)
        buttons = [{"title": "Сбой", "payload": "/service_unavailable"}]
        await _line(session, "bot", "Вы имели в виду?", payload={"buttons": buttons})
        await _line(session, "citizen", "Сбой", payload={"payload": "/service_unavailable"})
        await note_turn(session, _turn("service_unavailable", 1.0, "/service_unavailable"))
    assert await _queue(sessions) == []


async def test_identical_masked_texts_are_one_item_counted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(sessions) as session:
        for phone in ("+7 916 111-11-11", "+7 916 222-22-22"):
            await _line(session, "citizen", f"Мой номер {phone}  не  работает")
            await note_turn(session, _turn("nlu_fallback", 0.3))
    (item,) = await _queue(sessions)
    assert (item.text, item.count) == ("Мой номер <телефон>  не  работает", 2)


async def test_a_low_rating_queues_the_chats_citizen_lines(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(sessions) as session:
        await _line(session, "citizen", "почему заявление 1234567890 стоит")
        await _line(session, "bot", "Уточните номер")
        await _line(session, "citizen", "2", payload={"payload": '/rate{"rating": 2}'})
        await note_rating(session, CONVERSATION, "webchat", 4, utcnow())
    assert await _queue(sessions) == [], "a good rating queues nothing"
    async with session_scope(sessions) as session:
        await note_rating(session, CONVERSATION, "webchat", 2, utcnow())
    (item,) = await _queue(sessions)
    assert (item.text, item.reasons, item.status) == (
        "почему заявление <номер обращения> стоит",
        ["low_rating"],
        ReviewStatus.OPEN,
    )
