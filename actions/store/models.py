"""Tables of the ticket store, all prefixed `tickets_`; datetimes are UTC-aware."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage import Base, utcnow


class AppealStatus(StrEnum):
    """Statuses a citizen sees for an appeal."""

    IN_PROGRESS = "in_progress"
    WAITING_CITIZEN = "waiting_citizen"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"


OPEN_STATUSES = frozenset({AppealStatus.IN_PROGRESS, AppealStatus.WAITING_CITIZEN})


class DeadlineKind(StrEnum):
    """Which processing term applies: 5 working days, 10 working days or up to 30 days."""

    STANDARD = "standard"
    CLARIFICATION = "clarification"
    INTERAGENCY = "interagency"


class IncidentKind(StrEnum):
    """An unplanned failure or a planned maintenance window."""

    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class TicketKind(StrEnum):
    """What a support ticket is about; decides its number prefix."""

    INCIDENT = "incident"
    ACCESS = "access"


class Citizen(Base):
    """A portal account holder; the СНИЛС is kept only as a keyed hash, to match, never to read."""

    __tablename__ = "tickets_citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(12), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    snils_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessengerBinding(Base):
    """A chat (Rasa sender id `<channel>:<chat id>`) proven to belong to a citizen."""

    __tablename__ = "tickets_messenger_bindings"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    messenger_user_id: Mapped[str] = mapped_column(String(100), unique=True)
    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("tickets_citizens.id", ondelete="CASCADE"), index=True
    )
    verified_via: Mapped[str] = mapped_column(String(40))
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)


class Service(Base):
    """A portal service, by its canonical code (`tax`, `passport`, `lk`...)."""

    __tablename__ = "tickets_services"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))


class Appeal(Base):
    """A citizen's application or appeal to an agency, with its current status and deadline."""

    __tablename__ = "tickets_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("tickets_citizens.id", ondelete="CASCADE"), index=True
    )
    service_code: Mapped[str] = mapped_column(String(40))
    agency: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    deadline_at: Mapped[datetime]
    deadline_kind: Mapped[str] = mapped_column(String(20), default=DeadlineKind.STANDARD.value)
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    changes: Mapped[list[AppealStatusChange]] = relationship(
        back_populates="appeal", order_by="AppealStatusChange.changed_at", lazy="raise"
    )

    def is_overdue_at(self, now: datetime) -> bool:
        """An open appeal whose deadline has passed at `now`."""
        return self.status in OPEN_STATUSES and self.deadline_at < now

    @property
    def is_overdue(self) -> bool:
        """An open appeal whose deadline has already passed."""
        return self.is_overdue_at(utcnow())


class AppealStatusChange(Base):
    """One entry of an appeal's history: the new status, when, and a specialist's comment."""

    __tablename__ = "tickets_appeal_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(
        ForeignKey("tickets_appeals.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime]
    comment: Mapped[str | None] = mapped_column(Text)

    appeal: Mapped[Appeal] = relationship(back_populates="changes", lazy="raise")


class AppealSubscription(Base):
    """A chat that wants to be told when an appeal's status changes."""

    __tablename__ = "tickets_appeal_subscriptions"
    __table_args__ = (UniqueConstraint("appeal_id", "sender_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("tickets_appeals.id", ondelete="CASCADE"))
    sender_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Incident(Base):
    """A known failure or planned maintenance of a service, shown to citizens who ask."""

    __tablename__ = "tickets_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_code: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    expected_recovery_at: Mapped[datetime | None]
    public_text: Mapped[str] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=0)  # optimistic lock: bumped on every edit


class ContentEntry(Base):
    """The edited body of one kind of content (`actions.content`), which wins over its YAML file.

    `updated_by` is the console operator's id; handoff owns that table, so no foreign key crosses
    the packages (the audit log says the rest).
    """

    __tablename__ = "tickets_content"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int]  # optimistic lock: 1 for the first edit, bumped on every one after
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None]


class SupportTicket(Base):
    """A ticket the bot registered: a technical incident (`INC-…`) or access problem (`SUP-…`)."""

    __tablename__ = "tickets_support_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    sender_id: Mapped[str] = mapped_column(String(100), index=True)
    service_code: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    error_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LookupAttempt(Base):
    """One appeal lookup by a chat; failures within a window limit further lookups."""

    __tablename__ = "tickets_lookup_attempts"
    __table_args__ = (Index("ix_tickets_lookup_attempts_sender_at", "sender_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    success: Mapped[bool]


class StatusNotification(Base):
    """A status change to tell one subscribed chat; the app delivers it through its outbox."""

    __tablename__ = "tickets_status_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(100))
    appeal_number: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)


# ------------------------------------------------------------------ privacy: consent (152-ФЗ)
class Consent(Base):
    """A chat's consent to the processing of personal data, for one version of the text.

    Kept as evidence with its time, channel, sender and version; a withdrawal sets `revoked_at`
    (the row stays as proof of both). Only the right to be forgotten deletes it.
    """

    __tablename__ = "tickets_consents"
    __table_args__ = (Index("ix_tickets_consents_sender_given", "sender_id", "given_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(40))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
