"""The intent the bot understood is noted on the citizen's latest line, and only there."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Conversation, TranscriptEntry
from bot.storage import session_scope
from bot.transcript import annotate_intent


def conversation(conversation_id: str) -> Conversation:
    """A conversation row for the transcript lines to belong to."""
    channel, chat = conversation_id.split(":")
    return Conversation(id=conversation_id, channel=channel, chat_id=chat)


async def test_intent_lands_on_the_citizens_latest_line_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(sessions) as session:
        session.add_all([conversation("telegram:1"), conversation("telegram:2")])
        await session.flush()
        session.add_all(
            [
                TranscriptEntry(conversation_id="telegram:1", author="citizen", text="привет"),
                TranscriptEntry(conversation_id="telegram:1", author="bot", text="Здравствуйте"),
                TranscriptEntry(conversation_id="telegram:1", author="citizen", text="оператор"),
                TranscriptEntry(conversation_id="telegram:1", author="bot", text="Соединяю"),
                TranscriptEntry(conversation_id="telegram:2", author="citizen", text="другой чат"),
            ]
        )
    async with session_scope(sessions) as session:
        await annotate_intent(session, "telegram:1", "handoff", 0.93)
    async with sessions() as session:
        rows = list(await session.scalars(select(TranscriptEntry).order_by(TranscriptEntry.id)))
    assert [(r.text, r.intent, r.confidence) for r in rows] == [
        ("привет", None, None),
        ("Здравствуйте", None, None),
        ("оператор", "handoff", 0.93),
        ("Соединяю", None, None),
        ("другой чат", None, None),
    ]


async def test_no_intent_changes_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(sessions) as session:
        session.add(conversation("web:a"))
        await session.flush()
        session.add(TranscriptEntry(conversation_id="web:a", author="citizen", text="?"))
    async with session_scope(sessions) as session:
        await annotate_intent(session, "web:a", None, None)
    async with sessions() as session:
        entry = await session.scalar(select(TranscriptEntry))
    assert entry is not None
    assert entry.intent is None
