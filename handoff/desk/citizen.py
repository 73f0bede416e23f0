"""The citizen behind a chat, as the operator sees them: name, masked phone, appeals.

Read through the actions package's published read API (`actions.store`), never its
tables directly.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from actions.store import bound_citizen, citizen_appeals, service_titles


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


def mask_phone(phone: str) -> str:
    """`+7 999 ***-**-01`: enough to confirm with the citizen, not enough to copy."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 6:
        return "***"
    return f"+{digits[0]} {digits[1:4]} ***-**-{digits[-2:]}"


async def citizen_profile(session: AsyncSession, conversation_id: str) -> CitizenProfile | None:
    """The bound citizen's name, masked phone and appeals; None for an anonymous chat."""
    citizen = await bound_citizen(session, conversation_id)
    if citizen is None:
        return None
    titles = await service_titles(session)
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
