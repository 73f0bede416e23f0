"""Tables owned by the handoff module: groups, operators, their sessions, chats, ratings, audit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base, utcnow


class Role(StrEnum):
    """What a console user may do: operators chat, supervisors also watch, admins also manage."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    EDITOR = "editor"


class Presence(StrEnum):
    """Whether an operator takes new chats."""

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class ChatStatus(StrEnum):
    """Life of one handoff episode."""

    QUEUED = "queued"  # waiting for an operator; the bot is silent
    DEFERRED = "deferred"  # asked out of hours: a callback request handled next working period
    ASSIGNED = "assigned"  # an operator holds the chat
    CLOSED = "closed"  # the operator closed it; the bot resumed
    LEFT = "left"  # the citizen left the queue and went back to the bot


OPEN_STATUSES = (ChatStatus.QUEUED, ChatStatus.DEFERRED, ChatStatus.ASSIGNED)


class OperatorGroup(Base):
    """A competence group (access, appeals, technical...): seeded from content/handoff.yml."""

    __tablename__ = "handoff_groups"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    auto_assign: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)


class Operator(Base):
    """A console user; the password is stored only as an argon2 hash."""

    __tablename__ = "handoff_operators"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default=Role.OPERATOR)
    max_chats: Mapped[int] = mapped_column(default=3)
    presence: Mapped[str] = mapped_column(String(20), default=Presence.OFFLINE)
    presence_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]  # a console of theirs was connected; None: not tracked
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OperatorMembership(Base):
    """Which groups an operator serves."""

    __tablename__ = "handoff_operator_groups"

    operator_id: Mapped[int] = mapped_column(
        ForeignKey("handoff_operators.id", ondelete="CASCADE"), primary_key=True
    )
    group_code: Mapped[str] = mapped_column(
        ForeignKey("handoff_groups.code", ondelete="CASCADE"), primary_key=True
    )


class ConsoleSession(Base):
    """A logged-in console session; the cookie holds the token, the row holds its hash."""

    __tablename__ = "handoff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("handoff_operators.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class HandoffChat(Base):
    """One handoff episode of a conversation: queued, held by an operator, closed, rated."""

    __tablename__ = "handoff_chats"
    __table_args__ = (
        Index("ix_handoff_chats_queue", "status", "group_code", "queued_at"),
        Index("ix_handoff_chats_conversation", "conversation_id", "id"),
        Index("ix_handoff_chats_operator", "operator_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # what the citizen can quote
    conversation_id: Mapped[str] = mapped_column(ForeignKey("bot_conversations.id"))
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    group_code: Mapped[str] = mapped_column(ForeignKey("handoff_groups.code"))
    topic: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ChatStatus.QUEUED)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("handoff_operators.id"))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(40))
    notified_position: Mapped[int | None]
    notified_wait_s: Mapped[int | None]
    notified_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=0)  # bumped on every change: live views diff it
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Rating(Base):
    """The citizen's 1–5 rating (CSAT) of a closed handoff."""

    __tablename__ = "handoff_ratings"
    __table_args__ = (UniqueConstraint("chat_id", name="uq_handoff_ratings_chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("handoff_chats.id"))
    rating: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedResponse(Base):
    """A ready answer operators insert and edit; `group_code` None means every group."""

    __tablename__ = "handoff_canned"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    group_code: Mapped[str | None] = mapped_column(ForeignKey("handoff_groups.code"))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who opened which conversation and what they did (login, take, reply, transfer, close...)."""

    __tablename__ = "handoff_audit"
    __table_args__ = (Index("ix_handoff_audit_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("handoff_operators.id"))
    action: Mapped[str] = mapped_column(String(40))
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("handoff_chats.id"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
