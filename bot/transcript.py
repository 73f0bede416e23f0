"""The conversation transcript: what operators read and the web chat replays."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import TranscriptEntry


async def annotate_intent(
    session: AsyncSession, conversation_id: str, intent: str | None, confidence: float | None
) -> None:
    """Note on the citizen's latest line what the bot understood."""
    entry = await session.scalar(
        select(TranscriptEntry)
        .where(
            TranscriptEntry.conversation_id == conversation_id,
            TranscriptEntry.author == "citizen",
        )
        .order_by(TranscriptEntry.id.desc())
        .limit(1)
    )
    if entry is not None and intent:
        entry.intent = intent
        entry.confidence = confidence


async def latest(session: AsyncSession, conversation_id: str, limit: int) -> list[TranscriptEntry]:
    """The last `limit` transcript lines, oldest first (what an operator needs most)."""
    rows = await session.scalars(
        select(TranscriptEntry)
        .where(TranscriptEntry.conversation_id == conversation_id)
        .order_by(TranscriptEntry.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))


async def history(
    session: AsyncSession, conversation_id: str, after_id: int = 0, limit: int = 500
) -> list[TranscriptEntry]:
    """Transcript lines after `after_id`, oldest first."""
    rows = await session.scalars(
        select(TranscriptEntry)
        .where(TranscriptEntry.conversation_id == conversation_id, TranscriptEntry.id > after_id)
        .order_by(TranscriptEntry.id)
        .limit(limit)
    )
    return list(rows)
