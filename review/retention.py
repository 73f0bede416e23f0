"""The review queue's share of personal-data duties: forgetting a chat, the purge.

A queued message is masked, but it is still what a citizen wrote. Forgetting a chat deletes
the items only that chat produced and unlinks the ones other chats said word for word too (one
fewer in their count); an item an editor already accepted stays, unlinked, because its text now
belongs to the training data (masked, with no way back to the chat). The purge treats items the
way the transcript is treated: an item nobody accepted within the transcript period goes, and
accepted ones lose their link to the conversation when its transcript does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from review.models import ReviewItem, ReviewStatus, TrainingExample

ANNOTATED = ReviewItem.status == ReviewStatus.ANNOTATED


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def _unlink(session: AsyncSession, where: ColumnElement[bool], **values: object) -> int:
    result = await session.execute(
        update(ReviewItem).where(where).values(conversation_id=None, line_id=None, **values)
    )
    return _rows(result)


async def _delete(session: AsyncSession, where: ColumnElement[bool]) -> int:
    doomed = select(ReviewItem.id).where(where)
    await session.execute(
        update(TrainingExample)
        .where(TrainingExample.review_item_id.in_(doomed))
        .values(review_item_id=None)
    )
    return _rows(await session.execute(delete(ReviewItem).where(where)))


async def forget_review_items(session: AsyncSession, conversation_id: str, _ref: str) -> int:
    """The chat's queued messages: gone when only it said them, unlinked otherwise."""
    of_chat = ReviewItem.conversation_id == conversation_id
    kept = await _unlink(session, of_chat & ANNOTATED)
    shared = await _unlink(session, of_chat & (ReviewItem.count > 1), count=ReviewItem.count - 1)
    return kept + shared + await _delete(session, of_chat)


async def purge_review_items(session: AsyncSession, transcript_before: datetime) -> dict[str, int]:
    """Retention: items untouched for the transcript period; accepted ones only lose the link."""
    stale = ReviewItem.updated_at < transcript_before
    unlinked = await _unlink(session, stale & ANNOTATED & ReviewItem.conversation_id.is_not(None))
    return {"review_items": await _delete(session, stale & ~ANNOTATED), "review_links": unlinked}
