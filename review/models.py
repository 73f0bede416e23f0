"""Tables owned by review: the queue of misunderstood messages and the accepted examples."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base, utcnow


class ReviewReason(StrEnum):
    """Why a message is worth an editor's look."""

    LOW_CONFIDENCE = "low_confidence"  # below the FallbackClassifier threshold
    FALLBACK = "fallback"  # nlu_fallback: the guesses question was shown
    ASKED_FOR_PERSON = "asked_for_person"  # the next message asked for an operator
    CORRECTED = "corrected"  # the citizen chose another guess than the top one
    LOW_RATING = "low_rating"  # the chat was rated 1–2


class ReviewStatus(StrEnum):
    """Where a queued message stands."""

    OPEN = "open"
    ANNOTATED = "annotated"
    DISMISSED = "dismissed"


class ReviewItem(Base):
    """One distinct masked message to review; identical masked texts share a row (`count`).

    The raw text is never stored: `text` is masked before the row is written. `line_id` points
    at the transcript line it came from, so the page can show the (masked) context around it.
    """

    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the normalised text
    intent: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[float | None]
    channel: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[str | None] = mapped_column(String(200))
    line_id: Mapped[int | None]
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    chosen_intent: Mapped[str | None] = mapped_column(String(100))  # the citizen's own choice
    count: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.OPEN)
    version: Mapped[int] = mapped_column(default=0)  # optimistic lock: bumped on every change
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrainingExample(Base):
    """An accepted training example; a revert marks the row, it never deletes it."""

    __tablename__ = "training_examples"
    __table_args__ = (Index("ix_training_examples_intent", "intent", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("handoff_operators.id"))
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id"))
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reverted_at: Mapped[datetime | None]
    reverted_by: Mapped[int | None] = mapped_column(ForeignKey("handoff_operators.id"))


class NewIntent(Base):
    """An intent an editor created, with the answer the bot gives for it (a domain response)."""

    __tablename__ = "review_new_intents"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    answer: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("handoff_operators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
