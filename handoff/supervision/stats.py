"""What supervisors watch: waits against the target, handling time, CSAT, who is online.

Figures cover the last 24 hours. A wait runs from `queued_at` (kept across transfers) until an
operator took the chat; a chat still waiting, or one the citizen left, counts its wait so far
as a breach when it exceeds the target but not in the average (it was never answered).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Conversation
from handoff.models import (
    ChatStatus,
    HandoffChat,
    Operator,
    OperatorGroup,
    OperatorMembership,
    Presence,
    Rating,
)

WINDOW = timedelta(hours=24)


class GroupStats(BaseModel):
    """One group's figures."""

    code: str
    title: str
    queued: int
    online: int
    longest_wait_s: int
    avg_wait_s: float | None
    breaches: int
    avg_handle_s: float | None
    csat_avg: float | None
    csat_count: int


class OperatorLoad(BaseModel):
    """One operator's presence and how many chats they hold."""

    id: int
    name: str
    presence: str
    active_chats: int


class SupervisorView(BaseModel):
    """The supervisor's dashboard."""

    target_wait_s: int
    groups: list[GroupStats]
    operators: list[OperatorLoad]
    handoff_rate: float  # handoffs / conversations with activity, last 24 h


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def _average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


async def supervisor_view(
    session: AsyncSession, now: datetime, target_wait_s: int
) -> SupervisorView:
    """Every figure of the dashboard, computed at `now`."""
    since = now - WINDOW
    groups = list(await session.scalars(select(OperatorGroup).order_by(OperatorGroup.code)))
    recent = list(
        await session.scalars(
            select(HandoffChat).where(
                (HandoffChat.queued_at >= since)
                | HandoffChat.status.in_((ChatStatus.QUEUED, ChatStatus.DEFERRED))
                | (HandoffChat.closed_at >= since)
            )
        )
    )
    ratings = await session.execute(
        select(HandoffChat.group_code, Rating.rating)
        .join(HandoffChat, HandoffChat.id == Rating.chat_id)
        .where(Rating.created_at >= since)
    )
    csat: dict[str, list[float]] = {}
    for group_code, rating in ratings:
        csat.setdefault(group_code, []).append(float(rating))
    online = dict(
        (
            await session.execute(
                select(OperatorMembership.group_code, func.count(Operator.id))
                .join(Operator, Operator.id == OperatorMembership.operator_id)
                .where(Operator.presence == Presence.ONLINE, Operator.active.is_(True))
                .group_by(OperatorMembership.group_code)
            )
        ).all()
    )
    stats = []
    for group in groups:
        chats = [chat for chat in recent if chat.group_code == group.code]
        queued = [chat for chat in chats if chat.status == ChatStatus.QUEUED]
        answered = [
            _seconds(chat.queued_at, chat.assigned_at)
            for chat in chats
            if chat.assigned_at is not None and chat.assigned_at >= since
        ]
        unanswered = [
            _seconds(chat.queued_at, now if chat.status == ChatStatus.QUEUED else chat.updated_at)
            for chat in chats
            if chat.assigned_at is None
            and chat.status in (ChatStatus.QUEUED, ChatStatus.LEFT)
            and chat.queued_at >= since
        ]
        handled = [
            _seconds(chat.assigned_at, chat.closed_at)
            for chat in chats
            if chat.closed_at is not None
            and chat.assigned_at is not None
            and chat.closed_at >= since
        ]
        scores = csat.get(group.code, [])
        stats.append(
            GroupStats(
                code=group.code,
                title=group.title,
                queued=len(queued),
                online=online.get(group.code, 0),
                longest_wait_s=int(max((_seconds(c.queued_at, now) for c in queued), default=0)),
                avg_wait_s=_average(answered),
                breaches=sum(1 for wait in [*answered, *unanswered] if wait > target_wait_s),
                avg_handle_s=_average(handled),
                csat_avg=round(sum(scores) / len(scores), 2) if scores else None,
                csat_count=len(scores),
            )
        )
    active = dict(
        (
            await session.execute(
                select(HandoffChat.operator_id, func.count(HandoffChat.id))
                .where(HandoffChat.status == ChatStatus.ASSIGNED)
                .group_by(HandoffChat.operator_id)
            )
        ).all()
    )
    operators = await session.scalars(
        select(Operator).where(Operator.active.is_(True)).order_by(Operator.name)
    )
    conversations = await session.scalar(
        select(func.count(Conversation.id)).where(Conversation.last_activity_at >= since)
    )
    handoffs = sum(1 for chat in recent if chat.queued_at >= since)
    return SupervisorView(
        target_wait_s=target_wait_s,
        groups=stats,
        operators=[
            OperatorLoad(
                id=operator.id,
                name=operator.name,
                presence=operator.presence,
                active_chats=active.get(operator.id, 0),
            )
            for operator in operators
        ],
        handoff_rate=round(handoffs / conversations, 4) if conversations else 0.0,
    )
