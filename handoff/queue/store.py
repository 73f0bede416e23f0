"""The handoff tables for the service: open chats, the queue, operators' load, chat changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import (
    OPEN_STATUSES,
    ChatStatus,
    HandoffChat,
    Operator,
    OperatorGroup,
    OperatorMembership,
    Presence,
    Role,
)
from handoff.queue.rules import OperatorLoad, expected_wait_s, position

HANDLING_SAMPLE = 20
HANDLING_WINDOW = timedelta(hours=24)
STAFF_ROLES = (Role.SUPERVISOR, Role.ADMIN)


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


class QueueView:
    """One group's queue at one moment: each chat's place and expected wait."""

    def __init__(self, chats: list[HandoffChat], online: int, handling_s: float) -> None:
        self.chats = chats
        self.online = online
        self.handling_s = handling_s

    def standing(self, chat: HandoffChat) -> tuple[int, int]:
        """(place in line, expected wait in seconds) of a queued chat."""
        place = position(chat, [c for c in self.chats if c.id != chat.id])
        return place, expected_wait_s(place, self.online, self.handling_s)


async def queue_view(
    session: AsyncSession, group_code: str, now: datetime, default_handling_s: float
) -> QueueView:
    """Read what the place-in-line and wait estimates need."""
    return QueueView(
        await queued_chats(session, group_code),
        await online_operators(session, group_code),
        await average_handling_s(session, group_code, now, default_handling_s),
    )


async def assigned_count(session: AsyncSession, operator_id: int) -> int:
    """How many chats the operator holds now."""
    count = await session.scalar(
        select(func.count())
        .select_from(HandoffChat)
        .where(HandoffChat.operator_id == operator_id, HandoffChat.status == ChatStatus.ASSIGNED)
    )
    return int(count or 0)


async def operator_loads(session: AsyncSession, group_code: str) -> list[OperatorLoad]:
    """Online active operators of the group with their current load."""
    operators = list(
        await session.scalars(
            select(Operator)
            .join(OperatorMembership, OperatorMembership.operator_id == Operator.id)
            .where(
                OperatorMembership.group_code == group_code,
                Operator.active.is_(True),
                Operator.presence == Presence.ONLINE,
            )
        )
    )
    if not operators:
        return []
    ids = [operator.id for operator in operators]
    counted = await session.execute(
        select(HandoffChat.operator_id, func.count())
        .where(HandoffChat.operator_id.in_(ids), HandoffChat.status == ChatStatus.ASSIGNED)
        .group_by(HandoffChat.operator_id)
    )
    counts: dict[int | None, int] = {row[0]: int(row[1]) for row in counted.all()}
    latest = await session.execute(
        select(HandoffChat.operator_id, func.max(HandoffChat.assigned_at))
        .where(HandoffChat.operator_id.in_(ids))
        .group_by(HandoffChat.operator_id)
    )
    last: dict[int | None, datetime | None] = {row[0]: row[1] for row in latest.all()}
    return [
        OperatorLoad(
            operator_id=operator.id,
            assigned=int(counts.get(operator.id, 0)),
            max_chats=operator.max_chats,
            last_assigned_at=_aware(last.get(operator.id)),
            presence_at=operator.presence_at,
        )
        for operator in operators
    ]


async def operator_groups(session: AsyncSession, operator: Operator) -> list[str]:
    """The group codes the operator serves; supervisors and admins serve every active group."""
    if operator.role in STAFF_ROLES:
        return [group.code for group in await active_groups(session)]
    rows = await session.scalars(
        select(OperatorMembership.group_code).where(OperatorMembership.operator_id == operator.id)
    )
    return list(rows)


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates may come back from SQLite naive or as text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


async def change_chat(
    session: AsyncSession,
    chat_id: int,
    now: datetime,
    *conditions: ColumnElement[bool],
    **values: Any,
) -> bool:
    """The one way a chat row changes: a conditional UPDATE that also bumps version/updated_at.

    True when this caller changed the row; False when the conditions no longer held (someone
    else won the race), which callers turn into ChatConflict or a quiet retry.
    """
    result = await session.execute(
        update(HandoffChat)
        .where(HandoffChat.id == chat_id, *conditions)
        .values(**values, version=HandoffChat.version + 1, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0)) == 1
