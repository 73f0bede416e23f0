"""The right to be forgotten: erase one chat everywhere, keeping only that it happened.

A citizen's confirmed «удалите мои данные» (the `forget` custom payload of `action_forget_me`)
or an operator's request from the console writes an `ErasureRequest`. The eraser acts on it once
the chat's replies have left the outbox (the confirmation must reach the citizen first, and its
outbox row and transcript line are the chat's data too), holding the conversation's lease so no
turn runs meanwhile: Rasa's tracker events go first (a separate database), then in one transaction
every package's rows of the chat, the request itself, and one audit line naming the chat only by
a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import Conversation, InboxItem, ItemStatus, OutboxItem, TranscriptEntry
from bot.retention.models import ErasureRequest
from bot.retention.tracker import TrackerStore
from bot.storage import session_scope, utcnow

log = logging.getLogger(__name__)

# another package's share of forgetting, in the erasure's transaction: (session, id, hash)
Forgetter = Callable[[AsyncSession, str, str], Awaitable[int]]
# writes the one audit line: (session, operator id or None, hash, channel, requested by)
AuditWriter = Callable[[AsyncSession, int | None, str, str, str], Awaitable[None]]
OPEN = (ItemStatus.PENDING, ItemStatus.SENDING)
LEASE = timedelta(seconds=60)
# a reply that cannot be delivered for this long does not hold the erasure back any more
MAX_WAIT = timedelta(minutes=10)


def conversation_ref(secret: str, conversation_id: str) -> str:
    """A keyed hash of the conversation id: lets an auditor who knows the id confirm it was
    erased, and tells nobody else which chat it was."""
    digest = hmac.new(secret.encode(), conversation_id.encode(), hashlib.sha256).hexdigest()
    return digest[:32]


async def request_erasure(session: AsyncSession, conversation_id: str, requested_by: str) -> bool:
    """Record the request in the caller's transaction; False when one is already waiting."""
    if await session.get(ErasureRequest, conversation_id) is not None:
        return False
    session.add(ErasureRequest(conversation_id=conversation_id, requested_by=requested_by))
    await session.flush()
    return True


class Eraser:
    """Carries out erasure requests: the database, Rasa's tracker, one audit line."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        tracker: TrackerStore,
        secret: str,
        forgetters: Sequence[Forgetter],
        audit: AuditWriter,
        *,
        instance: str,
    ) -> None:
        """`forgetters` are the other packages' (ticket store, handoff); `secret` keys the hash."""
        self._sessions = sessions
        self._tracker = tracker
        self._secret = secret
        self._forgetters = forgetters
        self._audit = audit
        self._owner = f"eraser:{instance}"

    async def on_forget(self, session: AsyncSession, conversation_id: str, _: Any) -> None:
        """The router's handler of the `forget` custom payload (inside the turn's transaction)."""
        await request_erasure(session, conversation_id, "citizen")

    async def run_due(self, now: datetime | None = None) -> int:
        """Erase every chat whose request is due; how many were erased."""
        now = now or utcnow()
        async with self._sessions() as session:
            requests = list(await session.scalars(select(ErasureRequest).limit(50)))
        erased = 0
        for request in requests:
            if await self._due(request, now) and await self.erase(request, now):
                erased += 1
        return erased

    async def _due(self, request: ErasureRequest, now: datetime) -> bool:
        if now - request.requested_at >= MAX_WAIT:
            return True
        cid = request.conversation_id
        async with self._sessions() as session:
            busy = await session.scalar(
                select(func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.conversation_id == cid, OutboxItem.status.in_(OPEN))
            )
            busy = (busy or 0) + (
                await session.scalar(
                    select(func.count())
                    .select_from(InboxItem)
                    .where(InboxItem.conversation_id == cid, InboxItem.status == ItemStatus.PENDING)
                )
                or 0
            )
        return busy == 0

    async def erase(self, request: ErasureRequest, now: datetime) -> bool:
        """Erase the chat of `request`; False when a turn of it holds the lease (try later)."""
        cid = request.conversation_id
        if not await self._lease(cid, now):
            return False
        await self._tracker.forget(cid)  # first: a failure leaves the request to be retried
        ref = conversation_ref(self._secret, cid)
        async with session_scope(self._sessions) as session:
            if await session.get(ErasureRequest, cid) is None:
                return False  # another instance finished it
            for forgetter in self._forgetters:
                await forgetter(session, cid, ref)
            await _forget_app_rows(session, cid)
            operator_id = _operator_of(request.requested_by)
            await self._audit(session, operator_id, ref, cid.split(":", 1)[0], request.requested_by)
        log.info("chat erased", extra={"conversation_ref": ref, "by": request.requested_by})
        return True

    async def _lease(self, conversation_id: str, now: datetime) -> bool:
        async with session_scope(self._sessions) as session:
            if await session.get(Conversation, conversation_id) is None:
                return True  # nothing of the app's holds it (e.g. already erased rows)
            result = await session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    or_(
                        Conversation.lease_until.is_(None),
                        Conversation.lease_until < now,
                        Conversation.lease_owner == self._owner,
                    ),
                )
                .values(lease_owner=self._owner, lease_until=now + LEASE)
            )
            return bool(getattr(result, "rowcount", 0) == 1)


async def _forget_app_rows(session: AsyncSession, conversation_id: str) -> None:
    """The app's own rows of the chat, children before the conversation row."""
    for table, column in (
        (OutboxItem, OutboxItem.conversation_id),
        (TranscriptEntry, TranscriptEntry.conversation_id),
        (InboxItem, InboxItem.conversation_id),
        (ErasureRequest, ErasureRequest.conversation_id),
        (Conversation, Conversation.id),
    ):
        await session.execute(delete(table).where(column == conversation_id))


def _operator_of(requested_by: str) -> int | None:
    kind, _, value = requested_by.partition(":")
    return int(value) if kind == "operator" and value.isdigit() else None
