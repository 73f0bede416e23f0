"""Puts the packages' shares together: who forgets what of a chat, who purges which tables."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.store import forget_chat, purge_ticket_store
from bot.retention.forget import Eraser, Forgetter
from bot.retention.periods import Cutoffs, RetentionPeriods
from bot.retention.purge import Purge, PurgeStep
from bot.retention.tracker import TrackerStore
from bot.settings import Settings
from handoff.audit import record_audit
from handoff.retention import forget_conversation, purge_handoff
from review.retention import forget_review_items, purge_review_items

FORGET_AUDIT_ACTION = "forget"


async def _forget_tickets(session: AsyncSession, conversation_id: str, _ref: str) -> int:
    return await forget_chat(session, conversation_id)


async def _audit_forget(
    session: AsyncSession, operator_id: int | None, ref: str, channel: str, requested_by: str
) -> None:
    await record_audit(
        session,
        operator_id,
        FORGET_AUDIT_ACTION,
        detail={"conversation": ref, "channel": channel, "by": requested_by.split(":", 1)[0]},
    )


async def _purge_tickets(session: AsyncSession, cutoffs: Cutoffs) -> dict[str, int]:
    return {"ticket_store": await purge_ticket_store(session, cutoffs.messages)}


async def _purge_handoff(session: AsyncSession, cutoffs: Cutoffs) -> dict[str, int]:
    return await purge_handoff(session, cutoffs.transcript, cutoffs.audit)


async def _purge_review(session: AsyncSession, cutoffs: Cutoffs) -> dict[str, int]:
    return await purge_review_items(session, cutoffs.transcript)


FORGETTERS: tuple[Forgetter, ...] = (_forget_tickets, forget_conversation, forget_review_items)
PURGE_STEPS: tuple[PurgeStep, ...] = (_purge_tickets, _purge_handoff, _purge_review)


@dataclass(frozen=True)
class DataLifecycle:
    """The eraser and the purge of one database and one Rasa tracker store."""

    eraser: Eraser
    purge: Purge
    tracker: TrackerStore


def data_lifecycle(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> DataLifecycle:
    """Build both from the settings (nothing connects yet)."""
    tracker = TrackerStore(settings.tracker_store_url)
    eraser = Eraser(
        sessions,
        tracker,
        settings.session_secret.get_secret_value(),
        FORGETTERS,
        _audit_forget,
        instance=settings.instance_name,
    )
    purge = Purge(sessions, tracker, RetentionPeriods.from_settings(settings), PURGE_STEPS)
    return DataLifecycle(eraser, purge, tracker)
