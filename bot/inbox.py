"""Inbox: a citizen message is stored, with its transcript line, before it is acknowledged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import InboundMessage
from bot.models import Conversation, InboxItem, TranscriptEntry
from bot.storage import session_scope, utcnow

log = logging.getLogger(__name__)


class Inbox:
    """Accepts inbound messages idempotently on (channel, external id) and wakes the router."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        announce: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._sessions = sessions
        self._announce = announce
        self.arrived = asyncio.Event()

    async def accept(self, message: InboundMessage) -> bool:
        """Persist the message; False when the channel delivered it before (nothing stored)."""
        try:
            async with session_scope(self._sessions) as session:
                if await self._seen(session, message):
                    return False
                await ensure_conversation(session, message.channel, message.chat_id)
                session.add(
                    InboxItem(
                        conversation_id=message.conversation_id,
                        channel=message.channel,
                        external_id=message.external_id,
                        message=message.model_dump(mode="json"),
                    )
                )
                session.add(
                    TranscriptEntry(
                        conversation_id=message.conversation_id,
                        author="citizen",
                        text=message.text,
                        payload=_transcript_payload(message),
                    )
                )
        except IntegrityError:
            # Two deliveries of one update raced; the unique key kept exactly one.
            return False
        self.arrived.set()
        if self._announce is not None:
            await self._announce()  # other instances' routers wake too
        return True

    async def wake(self) -> None:
        """Wake the routers (this instance's and, with Redis, the others') for stored items."""
        self.arrived.set()
        if self._announce is not None:
            await self._announce()

    @staticmethod
    async def _seen(session: AsyncSession, message: InboundMessage) -> bool:
        found = await session.scalar(
            select(InboxItem.id).where(
                InboxItem.channel == message.channel,
                InboxItem.external_id == message.external_id,
            )
        )
        return found is not None


async def ensure_conversation(session: AsyncSession, channel: str, chat_id: str) -> Conversation:
    """The conversation row of this chat, created on first contact."""
    conversation_id = f"{channel}:{chat_id}"
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        conversation = Conversation(id=conversation_id, channel=channel, chat_id=chat_id)
        session.add(conversation)
        await session.flush()
    conversation.last_activity_at = utcnow()
    return conversation


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
    if await Inbox._seen(session, message):
        return False
    await ensure_conversation(session, message.channel, message.chat_id)
    session.add(
        InboxItem(
            conversation_id=message.conversation_id,
            channel=message.channel,
            external_id=message.external_id,
            message=message.model_dump(mode="json"),
        )
    )
    await session.flush()
    return True
