"""What the console shows of operators: the logged-in one, and others by name."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import Operator
from handoff.operators.permissions import group_codes_of


class OperatorRef(BaseModel):
    """An operator as other people see them."""

    id: int
    name: str


class Me(BaseModel):
    """The logged-in operator."""

    id: int
    login: str
    name: str
    role: str
    presence: str
    max_chats: int
    groups: list[str]


class SessionView(BaseModel):
    """Who is logged in and the CSRF token every mutating request must echo."""

    operator: Me
    csrf_token: str


async def me_view(session: AsyncSession, operator: Operator) -> Me:
    """The operator with their groups."""
    return Me(
        id=operator.id,
        login=operator.login,
        name=operator.name,
        role=operator.role,
        presence=operator.presence,
        max_chats=operator.max_chats,
        groups=await group_codes_of(session, operator.id),
    )
