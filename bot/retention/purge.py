"""The retention purge: every kind of personal data older than its period is removed.

Each package purges its own tables (`PurgeStep`s wired in `bot.retention.wiring`); this module
purges the app's (transcript, attachments' references, inbox/outbox, idle conversations) and
Rasa's tracker store. Every statement is a bounded DELETE/UPDATE by age, so running it twice,
or on two instances at once, removes nothing more and nothing less.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import (
    CONVERSATIONS,
    Conversation,
    ConversationState,
    InboxItem,
    ItemStatus,
    OutboxItem,
    TranscriptEntry,
)
from bot.retention.periods import Cutoffs, RetentionPeriods
from bot.retention.tracker import TrackerStore
from bot.storage import Base, session_scope

# another package's purge, in the purge's transaction: counts by kind of data
PurgeStep = Callable[[AsyncSession, Cutoffs], Awaitable[dict[str, int]]]
FINISHED = (ItemStatus.DONE, ItemStatus.FAILED)
BATCH = 1000


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def strip_attachments(session: AsyncSession, before: datetime) -> int:
    """Transcript lines older than `before` keep the kind of an attachment, not its file
    reference or name (a file name can itself be personal: «паспорт_Иванов.pdf»)."""
    stripped = 0
    last_id = 0
    while True:
        rows = (
            await session.execute(
                select(TranscriptEntry.id, TranscriptEntry.payload)
                .where(
                    TranscriptEntry.created_at < before,
                    TranscriptEntry.payload.is_not(None),
                    TranscriptEntry.id > last_id,
                )
                .order_by(TranscriptEntry.id)
                .limit(BATCH)
            )
        ).all()
        if not rows:
            return stripped
        for line_id, payload in rows:
            last_id = line_id
            attachment: Any = (payload or {}).get("attachment")
            if isinstance(attachment, dict) and set(attachment) - {"kind"}:
                kept = {**payload, "attachment": {"kind": attachment.get("kind")}}
                await session.execute(
                    update(TranscriptEntry)
                    .where(TranscriptEntry.id == line_id)
                    .values(payload=kept)
                )
                stripped += 1


async def purge_app_tables(session: AsyncSession, cutoffs: Cutoffs) -> dict[str, int]:
    """The app's own tables."""
    counts = {"attachments": await strip_attachments(session, cutoffs.attachments)}
    old_lines = select(TranscriptEntry.id).where(TranscriptEntry.created_at < cutoffs.transcript)
    await session.execute(
        update(OutboxItem).where(OutboxItem.transcript_id.in_(old_lines)).values(transcript_id=None)
    )
    counts["transcript"] = _rows(
        await session.execute(
            delete(TranscriptEntry).where(TranscriptEntry.created_at < cutoffs.transcript)
        )
    )
    counts["inbox"] = _rows(
        await session.execute(
            delete(InboxItem).where(
                InboxItem.status.in_(FINISHED), InboxItem.received_at < cutoffs.messages
            )
        )
    )
    counts["outbox"] = _rows(
        await session.execute(
            delete(OutboxItem).where(
                OutboxItem.status.in_(FINISHED), OutboxItem.created_at < cutoffs.messages
            )
        )
    )
    return counts


async def purge_idle_conversations(session: AsyncSession, before: datetime) -> int:
    """Conversations idle for the transcript period with nothing left that refers to them.

    "Refers" is read from the schema: every foreign key to the conversation, in any package.
    """
    conversations = CONVERSATIONS
    referenced = [
        exists().where(key.parent == conversations.c.id)
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table is conversations
    ]
    return _rows(
        await session.execute(
            delete(Conversation).where(
                Conversation.last_activity_at < before,
                Conversation.state == ConversationState.BOT,
                Conversation.lease_owner.is_(None),
                *(~clause for clause in referenced),
            )
        )
    )


class Purge:
    """One purge run over the database and Rasa's tracker store."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tracker: TrackerStore,
        periods: RetentionPeriods,
        steps: Sequence[PurgeStep],
    ) -> None:
        """`steps` are the other packages' purges (ticket store, handoff)."""
        self._sessions = sessions
        self._tracker = tracker
        self._periods = periods
        self._steps = steps

    async def run(self, now: datetime) -> dict[str, int]:
        """Remove what outlived its period at `now`; counts by kind (no personal data)."""
        cutoffs = self._periods.cutoffs(now)
        async with session_scope(self._sessions) as session:
            counts = await purge_app_tables(session, cutoffs)
            for step in self._steps:
                counts.update(await step(session, cutoffs))
            counts["conversations"] = await purge_idle_conversations(session, cutoffs.transcript)
        counts["tracker_events"] = await self._tracker.purge(cutoffs.tracker)
        return counts
