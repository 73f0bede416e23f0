"""The ticket store's share of personal-data duties: consent, its withdrawal, forget-me, purge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from actions.store.models import (
    AppealSubscription,
    Consent,
    LookupAttempt,
    MessengerBinding,
    StatusNotification,
    SupportTicket,
)


def _rows(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def has_consent(session: AsyncSession, sender_id: str, version: str) -> bool:
    """True when the chat agreed to this version of the text and has not withdrawn it."""
    found = await session.scalar(
        select(Consent.id)
        .where(
            Consent.sender_id == sender_id,
            Consent.version == version,
            Consent.revoked_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


async def give_consent(
    session: AsyncSession, sender_id: str, channel: str, version: str, now: datetime
) -> bool:
    """Record the chat's consent to `version`; False when it was already recorded."""
    if await has_consent(session, sender_id, version):
        return False
    session.add(Consent(sender_id=sender_id, channel=channel, version=version, given_at=now))
    await session.flush()
    return True


async def revoke_consent(session: AsyncSession, sender_id: str, now: datetime) -> bool:
    """Withdraw every consent of the chat and end what it allowed: the binding and the status
    subscriptions. True when there was anything to end."""
    revoked = await session.execute(
        update(Consent)
        .where(Consent.sender_id == sender_id, Consent.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    unbound = await session.execute(
        delete(MessengerBinding).where(MessengerBinding.messenger_user_id == sender_id)
    )
    unsubscribed = await session.execute(
        delete(AppealSubscription).where(AppealSubscription.sender_id == sender_id)
    )
    return _rows(revoked) + _rows(unbound) + _rows(unsubscribed) > 0


async def forget_chat(session: AsyncSession, sender_id: str) -> int:
    """Delete every row of the ticket store that names this chat; how many went."""
    removed = 0
    for table, column in (
        (MessengerBinding, MessengerBinding.messenger_user_id),
        (AppealSubscription, AppealSubscription.sender_id),
        (Consent, Consent.sender_id),
        (LookupAttempt, LookupAttempt.sender_id),
        (StatusNotification, StatusNotification.sender_id),
        (SupportTicket, SupportTicket.sender_id),
    ):
        removed += _rows(await session.execute(delete(table).where(column == sender_id)))
    return removed


async def purge_ticket_store(session: AsyncSession, messages_before: datetime) -> int:
    """Retention: lookup attempts (kept for a 10-minute abuse window) and delivered status
    notifications (their text went to the outbox) older than the messages' period."""
    lookups = await session.execute(delete(LookupAttempt).where(LookupAttempt.at < messages_before))
    notices = await session.execute(
        delete(StatusNotification).where(StatusNotification.delivered_at < messages_before)
    )
    return _rows(lookups) + _rows(notices)
