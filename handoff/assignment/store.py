"""What auto-assignment and taking a chat read: operators' load and the groups they serve."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.assignment.rules import Candidate
from handoff.models import ChatStatus, HandoffChat, Operator, OperatorMembership, Presence
from handoff.operators.permissions import is_staff
from handoff.queue.store import active_groups


async def assigned_count(session: AsyncSession, operator_id: int) -> int:
    """How many chats the operator holds now."""
    count = await session.scalar(
        select(func.count())
        .select_from(HandoffChat)
        .where(HandoffChat.operator_id == operator_id, HandoffChat.status == ChatStatus.ASSIGNED)
    )
    return int(count or 0)


async def candidates(session: AsyncSession, group_code: str) -> list[Candidate]:
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
        Candidate(
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
    if is_staff(operator):
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
