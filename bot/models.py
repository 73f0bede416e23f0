"""Tables owned by the app core: conversations, their transcript, the inbox and the outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import JSON, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base, utcnow


class ConversationState(StrEnum):
    """Who answers the citizen now."""

    BOT = "bot"
    HANDOFF = "handoff"


class ItemStatus(StrEnum):
    """Life of an inbox or outbox item."""

    PENDING = "pending"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    DROPPED = "dropped"  # an inbound message over the chat's flood allowance: never a turn


class Conversation(Base):
    """One chat of one citizen in one channel; its id is the Rasa sender id."""

    __tablename__ = "bot_conversations"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(20), default=ConversationState.BOT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]


class TranscriptEntry(Base):
    """Everything said in a conversation, bot turns included, for operators and the web chat."""

    __tablename__ = "bot_transcript"
    __table_args__ = (Index("ix_bot_transcript_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("bot_conversations.id"))
    author: Mapped[str] = mapped_column(String(20))  # citizen, bot, operator, system
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    intent: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxItem(Base):
    """A citizen message, stored before the channel is answered; processed once, in order."""

    __tablename__ = "bot_inbox"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_bot_inbox_channel_external"),
        Index("ix_bot_inbox_pending", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("bot_conversations.id"))
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    busy_notified: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))


class OutboxItem(Base):
    """A reply waiting to be delivered; retried until sent or definitely failed."""

    __tablename__ = "bot_outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_bot_outbox_dedupe_key"),
        Index("ix_bot_outbox_pending", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("bot_conversations.id"))
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(128))
    transcript_id: Mapped[int | None] = mapped_column(ForeignKey("bot_transcript.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))


# The tables of the hot path for Core statements: an UPDATE or INSERT on the table skips the ORM's
# per-statement bulk-persistence machinery (about a quarter of each statement's cost here).
CONVERSATIONS = cast(Table, Conversation.__table__)
TRANSCRIPT = cast(Table, TranscriptEntry.__table__)
INBOX = cast(Table, InboxItem.__table__)
OUTBOX = cast(Table, OutboxItem.__table__)
