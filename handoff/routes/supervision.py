"""Supervision: the console's menus, ready answers, the dashboard and the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.api.routing import ApiError, Call, NoInput, RouteTable
from handoff.api.schemas import (
    RESOLUTION_CODES,
    AuditQuery,
    AuditView,
    CannedInput,
    CannedView,
    GroupRef,
    MetaView,
    OperatorPresence,
    ResolutionView,
)
from handoff.audit import recent_audit, record_audit
from handoff.console.texts import console_text
from handoff.keys import HANDOFF
from handoff.models import CannedResponse, Operator, OperatorGroup, Role
from handoff.operators.accounts import check_group
from handoff.operators.permissions import group_codes_of, is_staff
from handoff.operators.views import OperatorRef
from handoff.supervision.stats import SupervisorView, supervisor_view

routes = RouteTable()


@routes.route(
    "GET",
    "/api/meta",
    summary="Resolutions, groups and operators for the console's menus",
    role=Role.OPERATOR,
    input=NoInput,
    response=MetaView,
)
async def get_meta(call: Call[NoInput]) -> MetaView:
    """What the close and transfer menus offer."""
    groups = await call.db.scalars(
        select(OperatorGroup).where(OperatorGroup.active.is_(True)).order_by(OperatorGroup.code)
    )
    operators = await call.db.scalars(
        select(Operator).where(Operator.active.is_(True)).order_by(Operator.name)
    )
    return MetaView(
        resolutions=[
            ResolutionView(code=code, title=console_text(f"resolution_{code}"))
            for code in RESOLUTION_CODES
        ],
        groups=[GroupRef(code=group.code, title=group.title) for group in groups],
        operators=[
            OperatorPresence(id=operator.id, name=operator.name, presence=operator.presence)
            for operator in operators
        ],
    )


def _canned_view(row: CannedResponse) -> CannedView:
    return CannedView(id=row.id, group_code=row.group_code, title=row.title, text=row.text)


@routes.route(
    "GET",
    "/api/canned",
    summary="Ready answers for my groups and for everyone",
    role=Role.OPERATOR,
    input=NoInput,
    response=list[CannedView],
)
async def list_canned(call: Call[NoInput]) -> list[CannedView]:
    """Supervisors see every group's answers."""
    query = select(CannedResponse).order_by(CannedResponse.title, CannedResponse.id)
    if not is_staff(call.operator):
        codes = await group_codes_of(call.db, call.operator.id)
        query = query.where(
            CannedResponse.group_code.is_(None) | CannedResponse.group_code.in_(codes)
        )
    return [_canned_view(row) for row in await call.db.scalars(query)]


@routes.route(
    "POST",
    "/api/canned",
    summary="Add a ready answer",
    role=Role.SUPERVISOR,
    input=CannedInput,
    response=CannedView,
    status=201,
)
async def create_canned(call: Call[CannedInput]) -> CannedView:
    """Store a new ready answer."""
    await check_group(call.db, call.data.group_code)
    row = CannedResponse(**call.data.model_dump(), updated_at=call.now)
    call.db.add(row)
    await call.db.flush()
    await record_audit(call.db, call.operator.id, "canned_create", detail={"canned_id": row.id})
    return _canned_view(row)


async def _canned(session: AsyncSession, canned_id: int) -> CannedResponse:
    row = await session.get(CannedResponse, canned_id)
    if row is None:
        raise ApiError(404, console_text("not_found"))
    return row


@routes.route(
    "PUT",
    "/api/canned/{id}",
    summary="Edit a ready answer",
    role=Role.SUPERVISOR,
    input=CannedInput,
    response=CannedView,
    errors=(404,),
)
async def update_canned(call: Call[CannedInput]) -> CannedView:
    """Replace the answer's group, title and text."""
    row = await _canned(call.db, call.path_int("id"))
    await check_group(call.db, call.data.group_code)
    row.group_code = call.data.group_code
    row.title = call.data.title
    row.text = call.data.text
    row.updated_at = call.now
    await record_audit(call.db, call.operator.id, "canned_update", detail={"canned_id": row.id})
    return _canned_view(row)


@routes.route(
    "DELETE",
    "/api/canned/{id}",
    summary="Delete a ready answer",
    role=Role.SUPERVISOR,
    input=NoInput,
    response=None,
    errors=(404,),
)
async def delete_canned(call: Call[NoInput]) -> None:
    """Remove it."""
    row = await _canned(call.db, call.path_int("id"))
    await call.db.delete(row)
    await record_audit(call.db, call.operator.id, "canned_delete", detail={"canned_id": row.id})


@routes.route(
    "GET",
    "/api/supervisor",
    summary="Queue, waits against the target, handling time and CSAT by group (24 h)",
    role=Role.SUPERVISOR,
    input=NoInput,
    response=SupervisorView,
)
async def get_supervisor(call: Call[NoInput]) -> SupervisorView:
    """The supervisor's dashboard."""
    target = call.request.app[HANDOFF].config.target_wait_s
    return await supervisor_view(call.db, call.now, target)


@routes.route(
    "GET",
    "/api/audit",
    summary="The latest audit entries, newest first",
    role=Role.SUPERVISOR,
    input=AuditQuery,
    response=list[AuditView],
)
async def get_audit(call: Call[AuditQuery]) -> list[AuditView]:
    """Who did what, with which chat."""
    entries = await recent_audit(call.db, call.data.limit)
    ids = {entry.operator_id for entry in entries if entry.operator_id is not None}
    names = dict(
        (
            await call.db.execute(select(Operator.id, Operator.name).where(Operator.id.in_(ids)))
        ).all()
    )
    return [
        AuditView(
            id=entry.id,
            operator=(
                OperatorRef(id=entry.operator_id, name=names.get(entry.operator_id, ""))
                if entry.operator_id is not None
                else None
            ),
            action=entry.action,
            chat_id=entry.chat_id,
            detail=entry.detail,
            created_at=entry.created_at,
        )
        for entry in entries
    ]
