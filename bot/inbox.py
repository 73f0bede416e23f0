"""Inbox: a citizen message is stored, with its transcript line, before it is acknowledged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.flood import ALLOWED, FloodLimiter, FloodVerdict
from bot.messages import InboundMessage
from bot.models import CONVERSATIONS, INBOX, TRANSCRIPT, ItemStatus
from bot.storage import utcnow
from bot.storage.group_commit import GroupCommit

log = logging.getLogger(__name__)

FloodNotice = Callable[[AsyncSession, InboundMessage], Awaitable[None]]
"""Queues the "slow down" reply to a flooding chat, in the caller's transaction."""


class Inbox:
    """Accepts inbound messages idempotently on (channel, external id) and wakes the router.

    With a flood limiter, a chat's messages beyond its allowance are stored as `dropped` (kept
    in the transcript for an operator, never a Rasa turn) and `flood_notice` tells the citizen.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        announce: Callable[[], Awaitable[None]] | None = None,
        *,
        flood: FloodLimiter | None = None,
        flood_notice: FloodNotice | None = None,
        on_dropped: Callable[[InboundMessage], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._announce = announce
        self._flood = flood
        self.flood_notice = flood_notice
        self._on_dropped = on_dropped
        self.arrived = asyncio.Event()
        self._intake = GroupCommit(sessions, self._store)

    async def accept(self, message: InboundMessage) -> bool:
        """Persist the message; False when nothing was queued for the router (a duplicate the
        channel delivered before, or a message dropped for flooding). Messages that arrive
        together share one commit (`GroupCommit`); each returns after its own is durable."""
        try:
            verdict = await self._intake.run(message)
        except IntegrityError:
            # Two deliveries of one update raced; the unique key kept exactly one.
            return False
        if verdict is None:
            return False  # the channel delivered it before
        if not verdict.allowed:
            if self._on_dropped is not None:
                self._on_dropped(message)
            return False
        self.arrived.set()
        if self._announce is not None:
            await self._announce()  # other instances' routers wake too
        return True

    async def _store(self, session: AsyncSession, message: InboundMessage) -> FloodVerdict | None:
        """The message and its transcript line in the caller's transaction; None: a duplicate."""
        await ensure_conversation(session, message.channel, message.chat_id)
        item_id = await _insert_item(session, message)
        if item_id is None:
            return None
        verdict = await self._verdict(message)
        if not verdict.allowed:
            await session.execute(update(INBOX).where(INBOX.c.id == item_id).values(**_dropped()))
        payload = _transcript_payload(message)
        await session.execute(
            insert(TRANSCRIPT).values(
                conversation_id=message.conversation_id,
                author="citizen",
                text=message.text,
                payload=payload if verdict.allowed else {**(payload or {}), **_FLOOD},
            )
        )
        if verdict.notify and self.flood_notice is not None:
            await self.flood_notice(session, message)
        return verdict

    async def wake(self) -> None:
        """Wake the routers (this instance's and, with Redis, the others') for stored items."""
        self.arrived.set()
        if self._announce is not None:
            await self._announce()

    async def _verdict(self, message: InboundMessage) -> FloodVerdict:
        if self._flood is None:
            return ALLOWED
        verdict = await self._flood.take(message.conversation_id)
        if verdict.notify:
            log.info("chat flooding: messages dropped", extra={"channel": message.channel})
        return verdict


async def ensure_conversation(session: AsyncSession, channel: str, chat_id: str) -> None:
    """Create the chat's conversation row on first contact, else note its activity: one upsert
    (not a read and a write) on the webhook's path."""
    now = utcnow()
    values = {"id": f"{channel}:{chat_id}", "channel": channel, "chat_id": chat_id}
    statement = _upsert(session)(CONVERSATIONS).values(**values, last_activity_at=now)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CONVERSATIONS.c.id], set_={"last_activity_at": now}
        )
    )


async def _insert_item(session: AsyncSession, message: InboundMessage) -> int | None:
    """Store the message unless (channel, external id) is stored already; its id, or None for a
    duplicate. One statement, and two instances racing on one update cannot both insert it."""
    statement = (
        _upsert(session)(INBOX)
        .values(
            conversation_id=message.conversation_id,
            channel=message.channel,
            external_id=message.external_id,
            message=message.model_dump(mode="json"),
        )
        .on_conflict_do_nothing(index_elements=[INBOX.c.channel, INBOX.c.external_id])
        .returning(INBOX.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


def _upsert(session: AsyncSession) -> Callable[[Table], Any]:
    """The dialect's INSERT with ON CONFLICT (SQLite and PostgreSQL both have it)."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


_FLOOD = {"dropped": "flood"}


def _dropped() -> dict[str, object]:
    return {"status": ItemStatus.DROPPED, "processed_at": utcnow(), "last_error": "flood"}


def _transcript_payload(message: InboundMessage) -> dict[str, object] | None:
    if message.payload is not None:
        return {"payload": message.payload}
    if message.attachment is not None:
        return {"attachment": message.attachment.model_dump(mode="json")}
    if message.contact is not None:
        return {"contact_shared": True, "verified": message.contact.verified}
    return None


async def store_system_item(session: AsyncSession, message: InboundMessage) -> bool:
    """Queue a turn the app itself originates (e.g. `/handoff_closed`) for an existing chat.

    Idempotent on (channel, external id): False when it was stored before. No transcript line:
    the citizen did not write it. The caller wakes the router after its transaction commits.
    """
    await ensure_conversation(session, message.channel, message.chat_id)
    return await _insert_item(session, message) is not None
