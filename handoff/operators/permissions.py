"""Who may do what, in one place.

Routes are declared for a role (or for anyone signed in); `ROUTE_ROLES_OF` says which of those
each user role satisfies. Not a ladder: an editor works on the bot's training and sees no
citizen's chat; an admin may do everything. Supervisors and admins ("staff") serve every group
and may act on any chat; an operator serves the groups they are a member of and acts on the
chats they hold.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import HandoffChat, Operator, OperatorMembership, Role


class Audience(StrEnum):
    """Who a route is for when that is not one role: anyone signed in (who am I, log out)."""

    SIGNED_IN = "signed_in"


RouteRole = Role | Audience
ROUTE_ROLES_OF: dict[Role, frozenset[RouteRole]] = {
    Role.OPERATOR: frozenset({Role.OPERATOR, Audience.SIGNED_IN}),
    Role.SUPERVISOR: frozenset({Role.OPERATOR, Role.SUPERVISOR, Audience.SIGNED_IN}),
    Role.EDITOR: frozenset({Role.EDITOR, Audience.SIGNED_IN}),
    Role.ADMIN: frozenset({*Role, Audience.SIGNED_IN}),
}


def may_use(role: str, route_role: RouteRole) -> bool:
    """Whether a user with `role` may use a route declared for `route_role`; an unknown role
    (a row written by a newer release, say) may use nothing."""
    try:
        return route_role in ROUTE_ROLES_OF[Role(role)]
    except ValueError:
        return False


def is_staff(operator: Operator) -> bool:
    """Supervisors and admins see every group's queue and may act on any chat."""
    return may_use(operator.role, Role.SUPERVISOR)


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
