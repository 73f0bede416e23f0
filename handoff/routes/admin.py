"""Administration: operator accounts and competence groups."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import utcnow
from handoff.api.routing import ApiError, Call, NoInput, RouteTable
from handoff.api.schemas import (
    GroupAdminView,
    GroupCreate,
    GroupFields,
    OperatorAdminView,
)
from handoff.audit import record_audit
from handoff.console.texts import console_text
from handoff.models import Operator, OperatorGroup, Role
from handoff.operators import accounts
from handoff.operators.accounts import OperatorCreate, OperatorUpdate
from handoff.operators.permissions import group_codes_of
from handoff.queue.rules import week_hours

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
    operator = await accounts.create_operator(call.db, call.data, by=call.operator.id, now=call.now)
    return await _operator_view(call.db, operator)


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
    operator = await call.db.get(Operator, call.path_int("id"))
    if operator is None:
        raise ApiError(404, console_text("not_found"))
    await accounts.update_operator(call.db, operator, call.data, by=call.operator.id)
    return await _operator_view(call.db, operator)


def _group_view(group: OperatorGroup) -> GroupAdminView:
    return GroupAdminView(
        code=group.code,
        title=group.title,
        topics=list(group.topics),
        hours=week_hours(group),
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
