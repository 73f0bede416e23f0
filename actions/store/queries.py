"""Reads and writes of the ticket store that the actions need; each takes an open session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.store.models import (
    Appeal,
    AppealStatusChange,
    AppealSubscription,
    Citizen,
    Incident,
    IncidentKind,
    LookupAttempt,
    MessengerBinding,
    Service,
    SupportTicket,
    TicketKind,
)

LOOKUP_WINDOW = timedelta(minutes=10)
MAX_FAILED_LOOKUPS = 5
MAINTENANCE_NOTICE = timedelta(days=1)
TICKET_PREFIX = {TicketKind.INCIDENT: "INC", TicketKind.ACCESS: "SUP"}


async def bound_citizen(session: AsyncSession, sender_id: str) -> Citizen | None:
    """The citizen this chat is bound to, if any."""
    query = (
        select(Citizen)
        .join(MessengerBinding, MessengerBinding.citizen_id == Citizen.id)
        .where(MessengerBinding.messenger_user_id == sender_id)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def citizen_by_phone(session: AsyncSession, phone: str) -> Citizen | None:
    """The citizen whose account phone is `phone` (normalised `+7…`)."""
    return (
        await session.execute(select(Citizen).where(Citizen.phone == phone))
    ).scalar_one_or_none()


async def bind_chat(
    session: AsyncSession, sender_id: str, citizen: Citizen, verified_via: str, now: datetime
) -> None:
    """Bind the chat to the citizen, replacing an earlier binding of the same chat."""
    await session.execute(
        delete(MessengerBinding).where(MessengerBinding.messenger_user_id == sender_id)
    )
    session.add(
        MessengerBinding(
            channel=sender_id.split(":", 1)[0],
            messenger_user_id=sender_id,
            citizen_id=citizen.id,
            verified_via=verified_via,
            verified_at=now,
        )
    )


async def unbind_chat(session: AsyncSession, sender_id: str) -> bool:
    """Remove the chat's binding; True when there was one."""
    result = await session.execute(
        delete(MessengerBinding).where(MessengerBinding.messenger_user_id == sender_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def owned_appeal(session: AsyncSession, citizen_id: int, number: str) -> Appeal | None:
    """The appeal with this number if it belongs to the citizen; someone else's is None too."""
    query = select(Appeal).where(Appeal.number == number, Appeal.citizen_id == citizen_id)
    return (await session.execute(query)).scalar_one_or_none()


async def last_change(session: AsyncSession, appeal_id: int) -> AppealStatusChange | None:
    """The latest entry of the appeal's status history."""
    query = (
        select(AppealStatusChange)
        .where(AppealStatusChange.appeal_id == appeal_id)
        .order_by(AppealStatusChange.changed_at.desc(), AppealStatusChange.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def service_titles(session: AsyncSession) -> dict[str, str]:
    """Every service's title by code (what an appeal's `service_code` means to a person)."""
    rows = await session.execute(select(Service.code, Service.title))
    return {code: title for code, title in rows}


async def citizen_appeals(session: AsyncSession, citizen_id: int) -> Sequence[Appeal]:
    """The citizen's appeals, newest first."""
    query = (
        select(Appeal).where(Appeal.citizen_id == citizen_id).order_by(Appeal.submitted_at.desc())
    )
    return (await session.execute(query)).scalars().all()


async def subscribe(session: AsyncSession, appeal: Appeal, sender_id: str, now: datetime) -> bool:
    """Subscribe the chat to the appeal's changes; False when it already was."""
    query = select(AppealSubscription.id).where(
        AppealSubscription.appeal_id == appeal.id, AppealSubscription.sender_id == sender_id
    )
    if (await session.execute(query)).first() is not None:
        return False
    session.add(AppealSubscription(appeal_id=appeal.id, sender_id=sender_id, created_at=now))
    return True


async def record_lookup(
    session: AsyncSession, sender_id: str, success: bool, now: datetime
) -> None:
    """Log one appeal lookup for the abuse limit."""
    session.add(LookupAttempt(sender_id=sender_id, at=now, success=success))


async def lookups_limited(session: AsyncSession, sender_id: str, now: datetime) -> bool:
    """True after MAX_FAILED_LOOKUPS failed lookups within LOOKUP_WINDOW."""
    query = select(func.count(LookupAttempt.id)).where(
        LookupAttempt.sender_id == sender_id,
        LookupAttempt.success.is_(False),
        LookupAttempt.at > now - LOOKUP_WINDOW,
    )
    return (await session.execute(query)).scalar_one() >= MAX_FAILED_LOOKUPS


async def active_incident(
    session: AsyncSession, service_code: str, now: datetime
) -> Incident | None:
    """A current failure of the service, or its current or next planned maintenance."""
    query = (
        select(Incident)
        .where(Incident.service_code == service_code, Incident.resolved_at.is_(None))
        .where((Incident.expected_recovery_at.is_(None)) | (Incident.expected_recovery_at > now))
        .order_by(Incident.started_at)
    )
    incidents = (await session.execute(query)).scalars().all()
    current = [incident for incident in incidents if incident.started_at <= now]
    upcoming = [
        incident
        for incident in incidents
        if incident.kind == IncidentKind.MAINTENANCE
        and incident.started_at <= now + MAINTENANCE_NOTICE
    ]
    candidates = current or upcoming
    return candidates[0] if candidates else None


async def create_ticket(
    session: AsyncSession,
    kind: TicketKind,
    sender_id: str,
    now: datetime,
    *,
    service_code: str | None = None,
    description: str | None = None,
    error_text: str | None = None,
) -> SupportTicket:
    """Register a ticket; its number (`INC-2026-000123`) comes from the row id, so it is unique."""
    ticket = SupportTicket(
        number=f"pending-{sender_id}-{now.timestamp()}",
        kind=kind.value,
        sender_id=sender_id,
        service_code=service_code,
        description=description,
        error_text=error_text,
        created_at=now,
    )
    session.add(ticket)
    await session.flush()
    ticket.number = f"{TICKET_PREFIX[kind]}-{now.year}-{ticket.id:06d}"
    await session.flush()
    return ticket
