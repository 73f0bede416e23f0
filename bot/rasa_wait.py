"""Turns that wait for Rasa: postponed with backoff, the citizen told once, due when it is back.

Rasa being unavailable (or a custom action of the turn that could not run) leaves the inbox item
pending with an exponential backoff and queues the «busy» notice once per item. While turns wait,
a watcher asks Rasa every poll interval whether it is back; the moment it is, every postponed
turn is due, so the citizen does not wait out a backoff that outlasted the outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.inbox import Inbox
from bot.messages import InboundMessage, OutboundMessage
from bot.metrics import Metrics
from bot.models import InboxItem, ItemStatus
from bot.outage import OutageLog
from bot.outbox import Outbox
from bot.rasa_client import RasaClient
from bot.storage import session_scope, utcnow
from bot.texts import text

log = logging.getLogger(__name__)


class RasaWait:
    """Postpones turns Rasa could not take and brings them back when Rasa answers again."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Inbox,
        outbox: Outbox,
        rasa: RasaClient,
        metrics: Metrics,
        database: OutageLog,
        *,
        poll_interval_s: float,
        backoff_max_s: float,
    ) -> None:
        self._sessions = sessions
        self._inbox = inbox
        self._outbox = outbox
        self._rasa = rasa
        self._metrics = metrics
        self._database = database
        self._poll = poll_interval_s
        self._backoff_max = backoff_max_s
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False

    async def stop(self) -> None:
        """Stop watching (shutdown); postponed turns keep their backoff for the next instance."""
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch

    async def postpone(self, item: InboxItem, message: InboundMessage, reason: str) -> None:
        """Leave the item pending with backoff; the citizen hears «busy» once per item."""
        self._metrics.errors.labels(component="rasa").inc()
        delay = min(self._backoff_max, 2.0 ** min(item.attempts, 10))
        log.warning("rasa unavailable, turn postponed", extra={"reason": reason, "delay": delay})
        async with session_scope(self._sessions) as session:
            await session.execute(
                update(InboxItem)
                .where(InboxItem.id == item.id)
                .values(
                    attempts=InboxItem.attempts + 1,
                    next_attempt_at=utcnow() + timedelta(seconds=delay),
                    last_error=reason[:200],
                    busy_notified=True,
                )
            )
            if not item.busy_notified:
                await self._outbox.reply_to(
                    session,
                    message,
                    OutboundMessage(text=text("assistant_busy")),
                    f"busy:{item.id}",
                )
        self._watch_for_rasa()

    def _watch_for_rasa(self) -> None:
        if self._watch is None or self._watch.done():
            self._watch = asyncio.create_task(self._retry_when_rasa_is_back())

    async def _retry_when_rasa_is_back(self) -> None:
        """While turns wait for Rasa, ask it every poll interval whether it is back; the moment it
        is, every postponed turn is due — the citizen does not wait out an exponential backoff
        that outlasted the outage. Gives up after the longest backoff (which then applies).

        Only an outage seen here ends this way: when Rasa and the action server look ready
        although the turn failed (e.g. an action answering 5xx while its database starts), the
        backoff applies, or the turn would be retried in a tight loop."""
        give_up = time.monotonic() + self._backoff_max
        seen_down = False
        try:
            while not await self._rasa.is_ready():
                seen_down = True
                if time.monotonic() >= give_up or self._stopping:
                    return
                await asyncio.sleep(self._poll)
            if not seen_down:
                return
            now = utcnow()
            async with session_scope(self._sessions) as session:
                await session.execute(
                    update(InboxItem)
                    .where(
                        InboxItem.status == ItemStatus.PENDING,
                        InboxItem.next_attempt_at > now,
                        InboxItem.last_error.is_not(None),
                    )
                    .values(next_attempt_at=now)
                )
        except Exception as exc:
            if not self._database.absorb(exc):
                log.exception("watching for rasa failed; postponed turns keep their backoff")
            return
        self._inbox.arrived.set()
