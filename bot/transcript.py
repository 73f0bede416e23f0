"""The conversation transcript: what operators read and the web chat replays."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import TRANSCRIPT, TranscriptEntry


async def annotate_intent(
    session: AsyncSession, conversation_id: str, intent: str | None, confidence: float | None
) -> None:
    """Note on the citizen's latest line what the bot understood.

    One UPDATE with the latest line as a subquery: loading the row into the session first
    cost a round trip and an ORM object on every turn (bench/PROFILE.md); a Core UPDATE on the
    table skips the ORM's bulk-update machinery."""
    if not intent:
        return
    lines = TRANSCRIPT.c
    latest_line = (
        select(func.max(lines.id))
        .where(lines.conversation_id == conversation_id, lines.author == "citizen")
        .scalar_subquery()
    )
    await session.execute(
        update(TRANSCRIPT)
        .where(lines.id == latest_line)
        .values(intent=intent, confidence=confidence)
    )


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
