"""Delivers appeal status notifications owed by the ticket store to the citizens' chats."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.store import take_pending
from bot.inbox import ensure_conversation
from bot.messages import OutboundMessage
from bot.outage import OutageLog
from bot.outbox import Outbox
from bot.storage import session_scope, utcnow

log = logging.getLogger(__name__)


class StatusNotifier:
    """Moves pending notifications into the outbox; one transaction, so each is sent once."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, poll_interval_s: float
    ) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._poll = poll_interval_s

    async def relay_once(self) -> int:
        """One pass; returns how many notifications were queued."""
        async with session_scope(self._sessions) as session:
            pending = await take_pending(session, utcnow())
            for notification in pending:
                channel, _, chat_id = notification.sender_id.partition(":")
                await ensure_conversation(session, channel, chat_id)
                await self._outbox.enqueue(
                    session,
                    conversation_id=notification.sender_id,
                    channel=channel,
                    chat_id=chat_id,
                    message=OutboundMessage(text=notification.text),
                    dedupe_key=f"status:{notification.id}",
                )
        return len(pending)

    async def run_forever(self) -> None:
        """Poll; another instance taking the same rows loses on the outbox's unique key."""
        database = OutageLog("status_notifier", log)
        while True:
            try:
                await self.relay_once()
                database.recovered()
            except IntegrityError:
                log.info("status notifications taken by another instance")
            except Exception as exc:
                if not database.absorb(exc):  # an outage is logged once, not every poll
                    log.exception("status notification pass failed")
            await asyncio.sleep(self._poll)
