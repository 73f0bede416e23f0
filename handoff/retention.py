"""The handoff module's share of personal-data duties: forgetting a conversation, the purge.

The audit log keeps that something happened, never what was said: forgetting a conversation
detaches its audit lines from the chat (they keep who, when and what kind of action, with the
conversation's keyed hash instead of its id), and the purge removes lines past their period.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import OPEN_STATUSES, AuditEntry, HandoffChat, Rating


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def _drop_chats(session: AsyncSession, chat_ids: list[int], ref: str | None) -> int:
    if not chat_ids:
        return 0
    detail = {"conversation": ref} if ref is not None else None
    await session.execute(
        update(AuditEntry)
        .where(AuditEntry.chat_id.in_(chat_ids))
        .values(chat_id=None, detail=detail)
    )
    await session.execute(delete(Rating).where(Rating.chat_id.in_(chat_ids)))
    return _rows(await session.execute(delete(HandoffChat).where(HandoffChat.id.in_(chat_ids))))


async def forget_conversation(session: AsyncSession, conversation_id: str, ref: str) -> int:
    """Delete the conversation's handoff episodes and ratings; audit lines lose the link."""
    chat_ids = list(
        await session.scalars(
            select(HandoffChat.id).where(HandoffChat.conversation_id == conversation_id)
        )
    )
    return await _drop_chats(session, chat_ids, ref)


async def purge_handoff(
    session: AsyncSession, transcript_before: datetime, audit_before: datetime
) -> dict[str, int]:
    """Retention: summaries (quoted messages) of chats closed before the transcript period,
    audit lines past the audit period, and chats closed before it with their ratings."""
    closed = HandoffChat.status.not_in([status.value for status in OPEN_STATUSES])
    summaries = await session.execute(
        update(HandoffChat)
        .where(closed, HandoffChat.updated_at < transcript_before, HandoffChat.summary.is_not(None))
        .values(summary=None)
    )
    audit = await session.execute(delete(AuditEntry).where(AuditEntry.created_at < audit_before))
    old_chats = list(
        await session.scalars(
            select(HandoffChat.id).where(
                closed,
                HandoffChat.updated_at < audit_before,
            )
        )
    )
    return {
        "handoff_summaries": _rows(summaries),
        "audit": _rows(audit),
        "handoff_chats": await _drop_chats(session, old_chats, None),
    }
