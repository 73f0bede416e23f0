"""Who may do what, in one place: roles rank operator < supervisor < admin.

Supervisors and admins ("staff") serve every group and may act on any chat; an operator serves
the groups they are a member of and acts on the chats they hold.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import HandoffChat, Operator, OperatorMembership, Role

ROLE_RANK = {Role.OPERATOR: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


def role_at_least(role: str, minimum: Role) -> bool:
    """Whether a user with `role` may use something meant for `minimum` and above."""
    try:
        return ROLE_RANK[Role(role)] >= ROLE_RANK[minimum]
    except ValueError:
        return False


def is_staff(operator: Operator) -> bool:
    """Supervisors and admins see every group's queue and may act on any chat."""
    return role_at_least(operator.role, Role.SUPERVISOR)


async def group_codes_of(session: AsyncSession, operator_id: int) -> list[str]:
    """The groups an operator is a member of, sorted."""
    rows = await session.scalars(
        select(OperatorMembership.group_code)
        .where(OperatorMembership.operator_id == operator_id)
        .order_by(OperatorMembership.group_code)
    )
    return list(rows)


async def serves_group(session: AsyncSession, operator: Operator, group_code: str) -> bool:
    """Whether an active operator may take the group's chats (staff: every group)."""
    if not operator.active:
        return False
    if is_staff(operator):
        return True
    return await session.get(OperatorMembership, (operator.id, group_code)) is not None


async def may_open(session: AsyncSession, operator: Operator, chat: HandoffChat) -> bool:
    """Operators open chats of their groups or their own; staff any."""
    if is_staff(operator) or chat.operator_id == operator.id:
        return True
    return chat.group_code in await group_codes_of(session, operator.id)


def may_act_on(operator: Operator, chat: HandoffChat) -> bool:
    """Transfer or close: the chat's holder, or staff."""
    return chat.operator_id == operator.id or is_staff(operator)
