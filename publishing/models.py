"""Tables owned by publishing: the trained models and the one choice of which Rasa serves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base, utcnow


class ModelStatus(StrEnum):
    """Life of one trained model: trained, gated, served, then kept for rollback."""

    TRAINING = "training"
    FAILED = "failed"  # validation or training broke; the log says why
    READY = "ready"  # trained (and evaluated): may be published
    REJECTED = "rejected"  # the gate refused it and nobody overrode
    SERVING = "serving"  # the model the app's turns go to
    RETIRED = "retired"  # served before; kept on disk for rollback


class TrainedModel(Base):
    """One model file under MODELS_DIR, who asked for it and how it scored."""

    __tablename__ = "publishing_models"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=ModelStatus.TRAINING)
    progress: Mapped[float] = mapped_column(default=0.0)  # 0..1 of the training's epochs
    stage: Mapped[str | None] = mapped_column(String(40))  # validate, train, evaluate, done
    error: Mapped[str | None] = mapped_column(Text)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # evaluation + gate verdict
    created_by: Mapped[int | None] = mapped_column(ForeignKey("handoff_operators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    served_at: Mapped[datetime | None]


class ServingChoice(Base):
    """The one row every app instance reads: which Rasa URL gets the turns, for which model.

    `generation` grows with every switch so a follower notices a change without comparing
    URLs (a rollback may reuse a port)."""

    __tablename__ = "publishing_serving"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    model_id: Mapped[int | None] = mapped_column(ForeignKey("publishing_models.id"))
    rasa_url: Mapped[str] = mapped_column(String(300))
    pid: Mapped[int | None]  # the Rasa process the publisher started (None: not managed)
    generation: Mapped[int] = mapped_column(default=0)
    switched_at: Mapped[datetime] = mapped_column(default=utcnow)
