"""Operator accounts: the one way to create or change an operator (admin API and `make operator`).

The rules live here, not in the handlers: logins are unique, a password is stored only as an
argon2id hash, a new password or a deactivation ends the operator's sessions, and the last
active admin is never demoted or deactivated.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.audit import record_audit
from handoff.errors import HandoffError
from handoff.models import ConsoleSession, Operator, OperatorGroup, OperatorMembership, Role
from handoff.operators.auth import MIN_PASSWORD_CHARS, hash_password_off_loop

LOGIN_PATTERN = r"^[A-Za-z0-9._@-]{2,80}$"


class LoginTaken(HandoffError):
    """Another operator has that login: 409."""


class LastAdmin(HandoffError):
    """The change would leave no active admin: 409."""


class UnknownGroup(HandoffError):
    """A group code that does not exist: 400."""


class OperatorFields(BaseModel):
    """What an admin sets for an operator (the password separately)."""

    login: str = Field(pattern=LOGIN_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.OPERATOR
    max_chats: int = Field(default=3, ge=1, le=20)
    groups: list[str] = Field(default_factory=list)
    active: bool = True


class OperatorCreate(OperatorFields):
    """A new operator: the password is required."""

    password: str = Field(min_length=MIN_PASSWORD_CHARS, max_length=200)


class OperatorUpdate(OperatorFields):
    """Changes to an operator: a password only when it is to be reset."""

    password: str | None = Field(default=None, min_length=MIN_PASSWORD_CHARS, max_length=200)


async def create_operator(
    session: AsyncSession, fields: OperatorCreate, *, by: int | None, now: datetime
) -> Operator:
    """Insert the account with its groups and audit it; `by` is the admin (None: the CLI)."""
    if await _login_used(session, fields.login, None):
        raise LoginTaken(fields.login)
    operator = Operator(
        login=fields.login,
        name=fields.name.strip(),
        role=fields.role,
        max_chats=fields.max_chats,
        active=fields.active,
        password_hash=await hash_password_off_loop(fields.password),
        presence_at=now,
        created_at=now,
    )
    session.add(operator)
    await session.flush()
    await set_groups(session, operator.id, fields.groups)
    await record_audit(session, by, "operator_create", detail={"operator_id": operator.id})
    return operator


async def update_operator(
    session: AsyncSession, operator: Operator, fields: OperatorUpdate, *, by: int
) -> Operator:
    """Apply an admin's changes; a password reset also unlocks the account."""
    if await _login_used(session, fields.login, operator.id):
        raise LoginTaken(fields.login)
    if (fields.role != Role.ADMIN or not fields.active) and await _last_admin(session, operator):
        raise LastAdmin(operator.login)
    operator.login = fields.login
    operator.name = fields.name
    operator.role = fields.role
    operator.max_chats = fields.max_chats
    operator.active = fields.active
    changed = ["profile"]
    if fields.password is not None:
        operator.password_hash = await hash_password_off_loop(fields.password)
        operator.failed_logins = 0
        operator.locked_until = None
        changed.append("password")
    if fields.password is not None or not fields.active:
        await session.execute(
            delete(ConsoleSession).where(ConsoleSession.operator_id == operator.id)
        )
    await set_groups(session, operator.id, fields.groups)
    detail = {"operator_id": operator.id, "changed": changed}
    await record_audit(session, by, "operator_update", detail=detail)
    return operator


async def all_group_codes(session: AsyncSession) -> list[str]:
    """Every group's code: what the first admin is a member of."""
    return list(await session.scalars(select(OperatorGroup.code).order_by(OperatorGroup.code)))


async def check_group(session: AsyncSession, code: str | None) -> None:
    """UnknownGroup unless the group exists (None means every group and is always fine)."""
    if code is not None and await session.get(OperatorGroup, code) is None:
        raise UnknownGroup(code)


async def set_groups(session: AsyncSession, operator_id: int, codes: list[str]) -> None:
    """Replace the operator's memberships with `codes` (each must exist)."""
    for code in codes:
        await check_group(session, code)
    await session.execute(
        delete(OperatorMembership).where(OperatorMembership.operator_id == operator_id)
    )
    session.add_all(
        OperatorMembership(operator_id=operator_id, group_code=code) for code in sorted(set(codes))
    )
    await session.flush()


async def _login_used(session: AsyncSession, login: str, except_id: int | None) -> bool:
    query = select(Operator.id).where(Operator.login == login)
    if except_id is not None:
        query = query.where(Operator.id != except_id)
    return await session.scalar(query) is not None


async def _last_admin(session: AsyncSession, operator: Operator) -> bool:
    others = await session.scalar(
        select(func.count(Operator.id)).where(
            Operator.role == Role.ADMIN, Operator.active.is_(True), Operator.id != operator.id
        )
    )
    return operator.role == Role.ADMIN and not others
