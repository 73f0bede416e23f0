"""Administration: operator accounts and competence groups."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import utcnow
from handoff.api.openapi import ApiError, Call, NoInput, RouteTable
from handoff.api.schemas import (
    GroupAdminView,
    GroupCreate,
    GroupFields,
    OperatorAdminView,
    OperatorCreate,
    OperatorUpdate,
)
from handoff.audit import record_audit
from handoff.console.texts import console_text
from handoff.desk.views import group_codes_of
from handoff.models import ConsoleSession, Operator, OperatorGroup, OperatorMembership, Role
from handoff.operators.auth import hash_password_off_loop
from handoff.routes.supervision import check_group
from workcalendar import WeekHours

routes = RouteTable()


async def _operator_view(session: AsyncSession, operator: Operator) -> OperatorAdminView:
    now = utcnow()
    return OperatorAdminView(
        id=operator.id,
        login=operator.login,
        name=operator.name,
        role=Role(operator.role),
        max_chats=operator.max_chats,
        groups=await group_codes_of(session, operator.id),
        active=operator.active,
        presence=operator.presence,
        locked=operator.locked_until is not None and operator.locked_until > now,
    )


@routes.route(
    "GET",
    "/api/operators",
    summary="Every operator account",
    role=Role.ADMIN,
    input=NoInput,
    response=list[OperatorAdminView],
)
async def list_operators(call: Call[NoInput]) -> list[OperatorAdminView]:
    """All accounts, active or not."""
    operators = await call.db.scalars(select(Operator).order_by(Operator.login))
    return [await _operator_view(call.db, operator) for operator in operators]


async def _set_groups(session: AsyncSession, operator_id: int, codes: list[str]) -> None:
    for code in codes:
        await check_group(session, code)
    await session.execute(
        delete(OperatorMembership).where(OperatorMembership.operator_id == operator_id)
    )
    session.add_all(
        OperatorMembership(operator_id=operator_id, group_code=code) for code in sorted(set(codes))
    )
    await session.flush()


@routes.route(
    "POST",
    "/api/operators",
    summary="Create an operator account",
    role=Role.ADMIN,
    input=OperatorCreate,
    response=OperatorAdminView,
    status=201,
    errors=(409,),
)
async def create_operator(call: Call[OperatorCreate]) -> OperatorAdminView:
    """A new account; the password is stored only as an argon2id hash."""
    data = call.data
    if await call.db.scalar(select(Operator.id).where(Operator.login == data.login)) is not None:
        raise ApiError(409, console_text("login_taken"))
    operator = Operator(
        login=data.login,
        name=data.name,
        role=data.role,
        max_chats=data.max_chats,
        active=data.active,
        password_hash=await hash_password_off_loop(data.password),
        presence_at=call.now,
        created_at=call.now,
    )
    call.db.add(operator)
    await call.db.flush()
    await _set_groups(call.db, operator.id, data.groups)
    await record_audit(
        call.db, call.operator.id, "operator_create", detail={"operator_id": operator.id}
    )
    return await _operator_view(call.db, operator)


async def _last_admin(session: AsyncSession, operator: Operator) -> bool:
    admins = await session.scalar(
        select(func.count(Operator.id)).where(
            Operator.role == Role.ADMIN, Operator.active.is_(True), Operator.id != operator.id
        )
    )
    return operator.role == Role.ADMIN and not admins


@routes.route(
    "PUT",
    "/api/operators/{id}",
    summary="Change an operator account (a new password ends their sessions)",
    role=Role.ADMIN,
    input=OperatorUpdate,
    response=OperatorAdminView,
    errors=(404, 409),
)
async def update_operator(call: Call[OperatorUpdate]) -> OperatorAdminView:
    """Edit; never demotes or deactivates the last active admin."""
    data = call.data
    operator = await call.db.get(Operator, call.path_int("id"))
    if operator is None:
        raise ApiError(404, console_text("not_found"))
    clash = await call.db.scalar(
        select(Operator.id).where(Operator.login == data.login, Operator.id != operator.id)
    )
    if clash is not None:
        raise ApiError(409, console_text("login_taken"))
    if (data.role != Role.ADMIN or not data.active) and await _last_admin(call.db, operator):
        raise ApiError(409, console_text("last_admin"))
    operator.login = data.login
    operator.name = data.name
    operator.role = data.role
    operator.max_chats = data.max_chats
    operator.active = data.active
    changed = ["profile"]
    if data.password is not None:
        operator.password_hash = await hash_password_off_loop(data.password)
        operator.failed_logins = 0
        operator.locked_until = None
        changed.append("password")
    if data.password is not None or not data.active:
        await call.db.execute(
            delete(ConsoleSession).where(ConsoleSession.operator_id == operator.id)
        )
    await _set_groups(call.db, operator.id, data.groups)
    await record_audit(
        call.db,
        call.operator.id,
        "operator_update",
        detail={"operator_id": operator.id, "changed": changed},
    )
    return await _operator_view(call.db, operator)


def _group_view(group: OperatorGroup) -> GroupAdminView:
    return GroupAdminView(
        code=group.code,
        title=group.title,
        topics=list(group.topics),
        hours=WeekHours.model_validate(group.hours or {}),
        auto_assign=group.auto_assign,
        active=group.active,
    )


@routes.route(
    "GET",
    "/api/groups",
    summary="Every operator group",
    role=Role.ADMIN,
    input=NoInput,
    response=list[GroupAdminView],
)
async def list_groups(call: Call[NoInput]) -> list[GroupAdminView]:
    """All groups, active or not."""
    groups = await call.db.scalars(select(OperatorGroup).order_by(OperatorGroup.code))
    return [_group_view(group) for group in groups]


@routes.route(
    "POST",
    "/api/groups",
    summary="Create an operator group",
    role=Role.ADMIN,
    input=GroupCreate,
    response=GroupAdminView,
    status=201,
    errors=(409,),
)
async def create_group(call: Call[GroupCreate]) -> GroupAdminView:
    """A new competence group."""
    if await call.db.get(OperatorGroup, call.data.code) is not None:
        raise ApiError(409, console_text("group_taken"))
    group = OperatorGroup(
        code=call.data.code,
        title=call.data.title,
        topics=list(call.data.topics),
        hours=call.data.hours.model_dump(mode="json"),
        auto_assign=call.data.auto_assign,
        active=call.data.active,
    )
    call.db.add(group)
    await call.db.flush()
    await record_audit(call.db, call.operator.id, "group_create", detail={"group": group.code})
    return _group_view(group)


@routes.route(
    "PUT",
    "/api/groups/{code}",
    summary="Change an operator group's title, topics, hours and switches",
    role=Role.ADMIN,
    input=GroupFields,
    response=GroupAdminView,
    errors=(404,),
)
async def update_group(call: Call[GroupFields]) -> GroupAdminView:
    """Edit; the code is the group's identity and does not change."""
    group = await call.db.get(OperatorGroup, call.path_str("code"))
    if group is None:
        raise ApiError(404, console_text("not_found"))
    group.title = call.data.title
    group.topics = list(call.data.topics)
    group.hours = call.data.hours.model_dump(mode="json")
    group.auto_assign = call.data.auto_assign
    group.active = call.data.active
    await record_audit(call.db, call.operator.id, "group_update", detail={"group": group.code})
    return _group_view(group)
