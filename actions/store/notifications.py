"""Status changes of appeals and the notifications they owe to subscribed chats.

Agencies' systems (or an operator) change a status with `change_status`; the app takes the
pending notifications with `take_pending` and delivers them through its outbox in the same
transaction, so each is sent once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.store.models import (
    Appeal,
    AppealStatus,
    AppealStatusChange,
    AppealSubscription,
    StatusNotification,
)
from actions.texts import TEXTS


class UnknownAppeal(LookupError):
    """No appeal has this number."""


async def change_status(
    session: AsyncSession,
    number: str,
    status: AppealStatus,
    *,
    at: datetime,
    comment: str | None = None,
) -> int:
    """Record the change in the appeal's history; returns how many chats will be told."""
    appeal = await session.scalar(select(Appeal).where(Appeal.number == number))
    if appeal is None:
        raise UnknownAppeal(number)
    appeal.status = status.value
    session.add(
        AppealStatusChange(appeal_id=appeal.id, status=status.value, changed_at=at, comment=comment)
    )
    text = TEXTS.status_notification.format(number=number, status=TEXTS.status_labels[status])
    if comment:
        text += TEXTS.status_notification_comment.format(comment=comment)
    subscribers = await session.scalars(
        select(AppealSubscription.sender_id).where(AppealSubscription.appeal_id == appeal.id)
    )
    notified = 0
    for sender_id in subscribers:
        session.add(
            StatusNotification(sender_id=sender_id, appeal_number=number, text=text, created_at=at)
        )
        notified += 1
    return notified


async def take_pending(
    session: AsyncSession, at: datetime, limit: int = 100
) -> Sequence[StatusNotification]:
    """Pending notifications, marked delivered in the caller's transaction."""
    pending = list(
        await session.scalars(
            select(StatusNotification)
            .where(StatusNotification.delivered_at.is_(None))
            .order_by(StatusNotification.id)
            .limit(limit)
        )
    )
    for notification in pending:
        notification.delivered_at = at
    return pending
