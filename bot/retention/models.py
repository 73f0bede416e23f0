"""Tables of the data lifecycle: erasures the citizens asked for, and leases of periodic jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base, utcnow


class ErasureRequest(Base):
    """A chat whose data must be erased («удалите мои данные»), waiting for its last reply.

    The row lives seconds: it is written in the turn that confirmed the request and removed with
    everything else of the chat once that turn's replies left the outbox.
    """

    __tablename__ = "bot_erasures"

    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(40))  # citizen, operator:<id>, cli


class JobLease(Base):
    """Which instance runs a periodic job (e.g. the retention purge) and when it last ran."""

    __tablename__ = "bot_job_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
