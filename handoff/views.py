"""Read models of the console API: what an operator sees of the queue, a chat and a citizen.

Every function takes an open session and reads; nothing here changes state. The JSON shapes are
the API's contract with the console page (timestamps are ISO 8601, UTC).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.store.models import Service
from actions.store.queries import bound_citizen, citizen_appeals
from bot.models import TranscriptEntry
from bot.transcript import latest
from handoff.auth import may_use
from handoff.models import (
    ChatStatus,
    HandoffChat,
    Operator,
    OperatorGroup,
    OperatorMembership,
    Role,
)
from handoff.queue import is_open, position

TRANSCRIPT_LIMIT = 1000
WAITING = (ChatStatus.QUEUED, ChatStatus.DEFERRED)


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


class GroupQueue(BaseModel):
    """A group as the queue shows it: whether it works now and how many wait."""

    code: str
    title: str
    open: bool
    queued: int


class ChatSummary(BaseModel):
    """One handoff chat in a list."""

    id: int
    number: str
    status: str
    group_code: str
    topic: str
    reason: str
    summary: str | None
    channel: str
    queued_at: datetime
    assigned_at: datetime | None
    wait_s: int  # queued → assigned, or queued → now while it still waits
    position: int | None  # place in its group's line while queued
    operator: OperatorRef | None
    last_message: str | None
    version: int


class Line(BaseModel):
    """One transcript line (bot turns included); read straight from a `TranscriptEntry`."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    author: str
    text: str | None
    payload: dict[str, Any] | None
    intent: str | None
    confidence: float | None
    created_at: datetime


class AppealView(BaseModel):
    """One of the citizen's appeals."""

    number: str
    service: str
    status: str
    submitted_at: datetime
    deadline: datetime
    overdue: bool


class CitizenProfile(BaseModel):
    """The citizen the chat is bound to (identified by a verified phone share)."""

    name: str
    phone_masked: str
    appeals: list[AppealView]


class ChatDetail(ChatSummary):
    """An opened chat: the whole transcript and the citizen's profile when the chat is bound."""

    transcript: list[Line]
    citizen: CitizenProfile | None


class QueueView(BaseModel):
    """What waits for this operator, and what they hold."""

    groups: list[GroupQueue]
    chats: list[ChatSummary]


def mask_phone(phone: str) -> str:
    """`+7 999 ***-**-01`: enough to confirm with the citizen, not enough to copy."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 6:
        return "***"
    return f"+{digits[0]} {digits[1:4]} ***-**-{digits[-2:]}"


def line_view(entry: TranscriptEntry) -> Line:
    """A transcript row as the console shows it."""
    return Line.model_validate(entry)


async def group_codes_of(session: AsyncSession, operator_id: int) -> list[str]:
    """The groups an operator serves, sorted."""
    rows = await session.scalars(
        select(OperatorMembership.group_code)
        .where(OperatorMembership.operator_id == operator_id)
        .order_by(OperatorMembership.group_code)
    )
    return list(rows)


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


def sees_all_groups(operator: Operator) -> bool:
    """Supervisors and admins see every group's queue and may open any chat."""
    return may_use(operator.role, Role.SUPERVISOR)


async def may_open(session: AsyncSession, operator: Operator, chat: HandoffChat) -> bool:
    """Operators open chats of their groups or their own; supervisors and admins any."""
    if sees_all_groups(operator) or chat.operator_id == operator.id:
        return True
    return chat.group_code in await group_codes_of(session, operator.id)


async def chat_summaries(
    session: AsyncSession, chats: Sequence[HandoffChat], now: datetime
) -> list[ChatSummary]:
    """Summaries of the chats, in the given order, with positions, operators and last lines."""
    if not chats:
        return []
    groups = {chat.group_code for chat in chats if chat.status == ChatStatus.QUEUED}
    waiting: dict[str, list[HandoffChat]] = {}
    if groups:
        queued = await session.scalars(
            select(HandoffChat).where(
                HandoffChat.status == ChatStatus.QUEUED, HandoffChat.group_code.in_(groups)
            )
        )
        for chat in queued:
            waiting.setdefault(chat.group_code, []).append(chat)
    operator_ids = {chat.operator_id for chat in chats if chat.operator_id is not None}
    names = {
        row.id: row.name
        for row in await session.execute(
            select(Operator.id, Operator.name).where(Operator.id.in_(operator_ids))
        )
    }
    conversations = {chat.conversation_id for chat in chats}
    latest = (
        select(func.max(TranscriptEntry.id))
        .where(
            TranscriptEntry.conversation_id.in_(conversations), TranscriptEntry.text.is_not(None)
        )
        .group_by(TranscriptEntry.conversation_id)
    )
    last_lines = {
        row.conversation_id: row.text
        for row in await session.execute(
            select(TranscriptEntry.conversation_id, TranscriptEntry.text).where(
                TranscriptEntry.id.in_(latest)
            )
        )
    }
    return [
        ChatSummary(
            id=chat.id,
            number=chat.number,
            status=chat.status,
            group_code=chat.group_code,
            topic=chat.topic,
            reason=chat.reason,
            summary=chat.summary,
            channel=chat.channel,
            queued_at=chat.queued_at,
            assigned_at=chat.assigned_at,
            wait_s=_wait_s(chat, now),
            position=(
                position(chat, waiting.get(chat.group_code, []))
                if chat.status == ChatStatus.QUEUED
                else None
            ),
            operator=(
                OperatorRef(id=chat.operator_id, name=names.get(chat.operator_id, ""))
                if chat.operator_id is not None
                else None
            ),
            last_message=last_lines.get(chat.conversation_id),
            version=chat.version,
        )
        for chat in chats
    ]


def _wait_s(chat: HandoffChat, now: datetime) -> int:
    if chat.assigned_at is not None:
        end = chat.assigned_at
    elif chat.status in WAITING:
        end = now
    else:
        end = chat.closed_at or chat.updated_at
    return max(0, int((end - chat.queued_at).total_seconds()))


async def chat_summary(session: AsyncSession, chat: HandoffChat, now: datetime) -> ChatSummary:
    """One chat's summary."""
    return (await chat_summaries(session, [chat], now))[0]


async def citizen_profile(session: AsyncSession, conversation_id: str) -> CitizenProfile | None:
    """The bound citizen's name, masked phone and appeals; None for an anonymous chat."""
    citizen = await bound_citizen(session, conversation_id)
    if citizen is None:
        return None
    titles = {
        code: title for code, title in await session.execute(select(Service.code, Service.title))
    }
    appeals = await citizen_appeals(session, citizen.id)
    return CitizenProfile(
        name=citizen.full_name,
        phone_masked=mask_phone(citizen.phone),
        appeals=[
            AppealView(
                number=appeal.number,
                service=titles.get(appeal.service_code, appeal.service_code),
                status=appeal.status,
                submitted_at=appeal.submitted_at,
                deadline=appeal.deadline_at,
                overdue=appeal.is_overdue,
            )
            for appeal in appeals
        ],
    )


async def chat_detail(session: AsyncSession, chat: HandoffChat, now: datetime) -> ChatDetail:
    """The chat with its whole transcript and the citizen's profile."""
    summary = await chat_summary(session, chat, now)
    entries = await latest(session, chat.conversation_id, TRANSCRIPT_LIMIT)
    return ChatDetail(
        **summary.model_dump(),
        transcript=[line_view(entry) for entry in entries],
        citizen=await citizen_profile(session, chat.conversation_id),
    )


async def queue_view(session: AsyncSession, operator: Operator, now: datetime) -> QueueView:
    """Waiting chats of the operator's groups (all for supervisors), oldest first, then theirs."""
    query = select(OperatorGroup).where(OperatorGroup.active.is_(True))
    if not sees_all_groups(operator):
        query = query.join(
            OperatorMembership, OperatorMembership.group_code == OperatorGroup.code
        ).where(OperatorMembership.operator_id == operator.id)
    groups = list(await session.scalars(query.order_by(OperatorGroup.code)))
    codes = [group.code for group in groups]
    counts = dict(
        (
            await session.execute(
                select(HandoffChat.group_code, func.count(HandoffChat.id))
                .where(HandoffChat.status == ChatStatus.QUEUED, HandoffChat.group_code.in_(codes))
                .group_by(HandoffChat.group_code)
            )
        ).all()
    )
    waiting = await session.scalars(
        select(HandoffChat)
        .where(HandoffChat.status.in_(WAITING), HandoffChat.group_code.in_(codes))
        .order_by(HandoffChat.queued_at, HandoffChat.id)
    )
    mine = await session.scalars(
        select(HandoffChat)
        .where(HandoffChat.status == ChatStatus.ASSIGNED, HandoffChat.operator_id == operator.id)
        .order_by(HandoffChat.assigned_at, HandoffChat.id)
    )
    return QueueView(
        groups=[
            GroupQueue(
                code=group.code,
                title=group.title,
                open=is_open(group, now),
                queued=counts.get(group.code, 0),
            )
            for group in groups
        ],
        chats=await chat_summaries(session, [*waiting, *mine], now),
    )
