"""One training at a time across every app instance: a lease row in `bot_job_leases`.

A conditional UPDATE wins the lease only when nobody holds it or the holder's lease ran out
(an instance that died mid-training frees it within `training_lease_s`); the holder renews it
while the training runs.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.retention.models import JobLease
from bot.storage import session_scope, utcnow

TRAINING_JOB = "publishing-training"


class TrainingLease:
    """Claims, renews and hands back the training lease for one owner (instance:pid)."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], owner: str, lease_s: float
    ) -> None:
        self._sessions = sessions
        self._owner = owner
        self._lease = timedelta(seconds=lease_s)

    async def claim(self) -> bool:
        """True when this owner now holds the lease (or already did)."""
        await self._ensure_row()
        now = utcnow()
        async with session_scope(self._sessions) as session:
            result = await session.execute(
                update(JobLease)
                .where(
                    JobLease.name == TRAINING_JOB,
                    or_(
                        JobLease.lease_until.is_(None),
                        JobLease.lease_until < now,
                        JobLease.lease_owner == self._owner,
                    ),
                )
                .values(lease_owner=self._owner, lease_until=now + self._lease)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    async def renew(self) -> bool:
        """Extend the lease; False when another owner took it (ours had run out)."""
        async with session_scope(self._sessions) as session:
            result = await session.execute(
                update(JobLease)
                .where(JobLease.name == TRAINING_JOB, JobLease.lease_owner == self._owner)
                .values(lease_until=utcnow() + self._lease)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    async def release(self) -> None:
        """Let the next training start at once."""
        async with session_scope(self._sessions) as session:
            await session.execute(
                update(JobLease)
                .where(JobLease.name == TRAINING_JOB, JobLease.lease_owner == self._owner)
                .values(lease_owner=None, lease_until=None, last_run_at=utcnow())
            )

    async def _ensure_row(self) -> None:
        async with self._sessions() as session:
            if await session.get(JobLease, TRAINING_JOB) is not None:
                return
        with contextlib.suppress(IntegrityError):  # another instance inserted it first
            async with session_scope(self._sessions) as session:
                session.add(JobLease(name=TRAINING_JOB))
