"""What the queue reads: active groups, a conversation's open chat, a group's line and its pace."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import (
    OPEN_STATUSES,
    ChatStatus,
    HandoffChat,
    Operator,
    OperatorGroup,
    OperatorMembership,
    Presence,
)
from handoff.queue.rules import expected_wait_s, position

HANDLING_SAMPLE = 20
HANDLING_WINDOW = timedelta(hours=24)


async def active_groups(session: AsyncSession) -> list[OperatorGroup]:
    """Groups that take chats, in a stable order."""
    rows = await session.scalars(
        select(OperatorGroup).where(OperatorGroup.active.is_(True)).order_by(OperatorGroup.code)
    )
    return list(rows)


async def open_chat(
    session: AsyncSession,
    conversation_id: str,
    statuses: tuple[ChatStatus, ...] = OPEN_STATUSES,
) -> HandoffChat | None:
    """The conversation's latest chat in one of `statuses` (at most one is open at a time)."""
    chat: HandoffChat | None = await session.scalar(
        select(HandoffChat)
        .where(HandoffChat.conversation_id == conversation_id, HandoffChat.status.in_(statuses))
        .order_by(HandoffChat.id.desc())
        .limit(1)
    )
    return chat


async def queued_chats(session: AsyncSession, group_code: str) -> list[HandoffChat]:
    """The group's queue, oldest first."""
    rows = await session.scalars(
        select(HandoffChat)
        .where(HandoffChat.group_code == group_code, HandoffChat.status == ChatStatus.QUEUED)
        .order_by(HandoffChat.queued_at, HandoffChat.id)
    )
    return list(rows)


async def online_operators(session: AsyncSession, group_code: str) -> int:
    """How many active operators of the group are online."""
    count = await session.scalar(
        select(func.count())
        .select_from(Operator)
        .join(OperatorMembership, OperatorMembership.operator_id == Operator.id)
        .where(
            OperatorMembership.group_code == group_code,
            Operator.active.is_(True),
            Operator.presence == Presence.ONLINE,
        )
    )
    return int(count or 0)


async def average_handling_s(
    session: AsyncSession, group_code: str, now: datetime, default_s: float
) -> float:
    """Mean assigned→closed time of the group's last 20 chats closed in 24 h; default if none."""
    rows = await session.execute(
        select(HandoffChat.assigned_at, HandoffChat.closed_at)
        .where(
            HandoffChat.group_code == group_code,
            HandoffChat.status == ChatStatus.CLOSED,
            HandoffChat.closed_at >= now - HANDLING_WINDOW,
            HandoffChat.assigned_at.is_not(None),
        )
        .order_by(HandoffChat.closed_at.desc())
        .limit(HANDLING_SAMPLE)
    )
    spans = [
        (closed - assigned).total_seconds()
        for assigned, closed in rows
        if assigned is not None and closed is not None
    ]
    return sum(spans) / len(spans) if spans else default_s


class GroupLine:
    """One group's line at one moment: each queued chat's place and expected wait."""

    def __init__(self, chats: list[HandoffChat], online: int, handling_s: float) -> None:
        self.chats = chats
        self.online = online
        self.handling_s = handling_s

    def standing(self, chat: HandoffChat) -> tuple[int, int]:
        """(place in line, expected wait in seconds) of a queued chat."""
        place = position(chat, [c for c in self.chats if c.id != chat.id])
        return place, expected_wait_s(place, self.online, self.handling_s)


async def group_line(
    session: AsyncSession, group_code: str, now: datetime, default_handling_s: float
) -> GroupLine:
    """Read what the place-in-line and wait estimates need."""
    return GroupLine(
        await queued_chats(session, group_code),
        await online_operators(session, group_code),
        await average_handling_s(session, group_code, now, default_handling_s),
    )
