"""The app's periodic job: due erasures every second, the purge once per interval.

Several app instances may run it: the purge is claimed through a row of `bot_job_leases` (one
conditional UPDATE wins; the lease expires, so a crashed instance does not block it) and is
idempotent anyway; erasures lease the conversation row they erase.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outage import OutageLog
from bot.retention.forget import Eraser
from bot.retention.models import JobLease
from bot.retention.purge import Purge
from bot.storage import session_scope, utcnow

log = logging.getLogger(__name__)
PURGE_JOB = "retention-purge"
LEASE = timedelta(minutes=30)


class PurgeLease:
    """Claims the purge for one instance when it is due."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], instance: str, interval_s: float
    ) -> None:
        """`interval_s`: how long after a run the purge is due again, for any instance."""
        self._sessions = sessions
        self._instance = instance
        self._interval = timedelta(seconds=interval_s)

    async def claim(self, now: datetime) -> bool:
        """True when this instance got the purge (due, and nobody else holds it)."""
        await self._ensure_row()
        async with session_scope(self._sessions) as session:
            result = await session.execute(
                update(JobLease)
                .where(
                    JobLease.name == PURGE_JOB,
                    or_(JobLease.lease_until.is_(None), JobLease.lease_until < now),
                    or_(
                        JobLease.last_run_at.is_(None), JobLease.last_run_at <= now - self._interval
                    ),
                )
                .values(lease_owner=self._instance, lease_until=now + LEASE)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    async def done(self, now: datetime) -> None:
        """Record the run and let the lease go."""
        async with session_scope(self._sessions) as session:
            await session.execute(
                update(JobLease)
                .where(JobLease.name == PURGE_JOB, JobLease.lease_owner == self._instance)
                .values(last_run_at=now, lease_owner=None, lease_until=None)
            )

    async def _ensure_row(self) -> None:
        async with self._sessions() as session:
            if await session.get(JobLease, PURGE_JOB) is not None:
                return
        with contextlib.suppress(IntegrityError):  # another instance inserted it first
            async with session_scope(self._sessions) as session:
                session.add(JobLease(name=PURGE_JOB))


class RetentionJob:
    """Runs beside the router: erasures as they fall due, the purge when its lease is won."""

    def __init__(self, eraser: Eraser, purge: Purge, lease: PurgeLease, poll_s: float) -> None:
        """`poll_s`: how often erasure requests are looked at."""
        self._eraser = eraser
        self._purge = purge
        self._lease = lease
        self._poll = poll_s

    async def tick(self) -> dict[str, int] | None:
        """One pass; the purge's counts when this instance ran it."""
        await self._eraser.run_due()
        now = utcnow()
        if not await self._lease.claim(now):
            return None
        counts = await self._purge.run(now)
        await self._lease.done(now)
        log.info("retention purge done", extra={"removed": counts})
        return counts

    async def run_forever(self) -> None:
        """Never dies on one failed pass; a database outage is logged once, not every pass."""
        database = OutageLog("retention", log)
        while True:
            try:
                await self.tick()
                database.recovered()
            except Exception as exc:
                if not database.absorb(exc):
                    log.exception("retention pass failed")
            await asyncio.sleep(self._poll)
