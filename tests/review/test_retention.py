"""Forgetting a chat and the purge reach the review queue: no citizen's words outlive them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import session_scope, utcnow
from review.models import ReviewItem, ReviewReason, ReviewStatus, TrainingExample
from review.queue import enqueue
from review.retention import forget_review_items, purge_review_items

ALONE = "webchat:alone"
OTHER = "webchat:other"


async def _queue(
    session: AsyncSession, text: str, conversation: str, line: int, **kw: object
) -> ReviewItem:
    item = await enqueue(
        session,
        raw_text=text,
        reason=ReviewReason.LOW_CONFIDENCE,
        channel="webchat",
        conversation_id=conversation,
        line_id=line,
        intent="greet",
        confidence=0.3,
        now=kw.pop("now", utcnow()),  # type: ignore[arg-type]
    )
    assert item is not None
    return item


async def _items(sessions: async_sessionmaker[AsyncSession]) -> dict[str, ReviewItem]:
    async with session_scope(sessions) as session:
        return {item.text: item for item in await session.scalars(select(ReviewItem))}


async def test_forgetting_a_chat_deletes_its_own_messages_and_unlinks_shared_ones(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with session_scope(sessions) as session:
        await _queue(session, "только мой вопрос", ALONE, 1)
        await _queue(session, "как все спрашивают", OTHER, 2)
        await _queue(session, "как все спрашивают", ALONE, 3)
        await _queue(session, "не моё", OTHER, 4)
        accepted = await _queue(session, "уже в обучении", ALONE, 5)
        accepted.status = ReviewStatus.ANNOTATED
        session.add(TrainingExample(text=accepted.text, intent="greet", review_item_id=accepted.id))
    async with session_scope(sessions) as session:
        await forget_review_items(session, ALONE, "ref")
    items = await _items(sessions)
    assert "только мой вопрос" not in items
    shared = items["как все спрашивают"]
    assert (shared.conversation_id, shared.line_id, shared.count) == (None, None, 1)
    assert items["не моё"].conversation_id == OTHER
    kept = items["уже в обучении"]
    assert (kept.conversation_id, kept.line_id) == (None, None)
    assert all(item.conversation_id != ALONE for item in items.values())


async def test_the_purge_drops_stale_unhandled_items_and_unlinks_stale_accepted_ones(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    now = utcnow()
    old = now - timedelta(days=40)
    async with session_scope(sessions) as session:
        await _queue(session, "старый вопрос", ALONE, 1, now=old)
        example_of = await _queue(session, "старый принятый", ALONE, 2, now=old)
        example_of.status = ReviewStatus.ANNOTATED
        session.add(
            TrainingExample(text=example_of.text, intent="greet", review_item_id=example_of.id)
        )
        await _queue(session, "свежий вопрос", ALONE, 3, now=now)
    async with session_scope(sessions) as session:
        counts = await purge_review_items(session, now - timedelta(days=30))
    assert counts == {"review_items": 1, "review_links": 1}
    items = await _items(sessions)
    assert set(items) == {"старый принятый", "свежий вопрос"}
    assert items["старый принятый"].conversation_id is None
    assert items["свежий вопрос"].conversation_id == ALONE
    async with session_scope(sessions) as session:
        (example,) = await session.scalars(select(TrainingExample))
    assert example.review_item_id == items["старый принятый"].id
