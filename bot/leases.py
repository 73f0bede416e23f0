"""Conversation leases: one worker at a time per conversation, across every app instance.

A lease is a conditional UPDATE on the conversation's row (owner, expiry). It is short and renewed
by a heartbeat while the worker runs: a live worker never loses it to a slow turn, and the chats
of an instance that died are free again within seconds — never after a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event, or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.models import CONVERSATIONS
from bot.outage import OutageLog
from bot.storage import session_scope, utcnow

log = logging.getLogger(__name__)
_RELEASES = "lease_releases"
_C = CONVERSATIONS.c


@dataclass
class LeaseHold:
    """A worker's hold on one conversation: the heartbeat to stop, and whether the lease went
    back with a committed transaction (so the worker does not release it again)."""

    conversation_id: str
    renewal: asyncio.Event = field(default_factory=asyncio.Event)
    released: bool = False


def _released(session: Session) -> None:
    hold = session.info.pop(_RELEASES, None)
    if isinstance(hold, LeaseHold):
        hold.released = True


class ConversationLeases:
    """Claims, renews and hands back this instance's leases on conversations."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        instance: str,
        lease_s: float,
        database: OutageLog,
    ) -> None:
        self._sessions = sessions
        self._instance = instance
        self._lease = timedelta(seconds=lease_s)
        self._database = database

    async def claim(self, session: AsyncSession, conversation_id: str) -> bool:
        """Take the conversation in the caller's transaction; False when another instance holds
        it. The caller reads the conversation's next item in the same transaction (one commit)."""
        now = utcnow()
        result = await session.execute(
            update(CONVERSATIONS)
            .where(
                _C.id == conversation_id,
                or_(
                    _C.lease_until.is_(None),
                    _C.lease_until < now,
                    _C.lease_owner == self._instance,
                ),
            )
            .values(lease_owner=self._instance, lease_until=now + self._lease)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def release(self, session: AsyncSession, conversation_id: str) -> None:
        """Hand the conversation back in the caller's transaction (e.g. the one that records its
        last turn), so finishing a turn and freeing the chat cost one commit."""
        await session.execute(
            update(CONVERSATIONS)
            .where(_C.id == conversation_id, _C.lease_owner == self._instance)
            .values(lease_owner=None, lease_until=None)
        )

    async def release_with_commit(self, session: AsyncSession, hold: LeaseHold) -> None:
        """Hand the lease back in the caller's transaction (the one ending the last turn); no
        heartbeat follows, and `hold.released` is set once that transaction commits."""
        hold.renewal.set()
        await self.release(session, hold.conversation_id)
        session.info[_RELEASES] = hold
        event.listen(session.sync_session, "after_commit", _released, once=True)

    async def release_now(self, conversation_id: str) -> None:
        """Hand the conversation back in a transaction of its own (a worker that failed)."""
        async with session_scope(self._sessions) as session:
            await self.release(session, conversation_id)

    @contextlib.asynccontextmanager
    async def renewed(self, conversation_id: str) -> AsyncIterator[asyncio.Event]:
        """Renew a claimed lease by a heartbeat until the block ends or the yielded event is set
        (set it right before committing the release, so no renewal follows a release)."""
        done = asyncio.Event()
        heartbeat = asyncio.create_task(self._keep(conversation_id, done))
        try:
            yield done
        finally:
            done.set()  # not cancel(): a renewal being written finishes cleanly
            await heartbeat

    async def release_all(self) -> None:
        """Hand back every lease of this instance (shutdown): other instances take them at once."""
        try:
            async with session_scope(self._sessions) as session:
                await session.execute(
                    update(CONVERSATIONS)
                    .where(_C.lease_owner == self._instance)
                    .values(lease_owner=None, lease_until=None)
                )
        except Exception as exc:
            if not self._database.absorb(exc):  # an outage: the leases simply run out
                raise

    async def _keep(self, conversation_id: str, done: asyncio.Event) -> None:
        """Renew every third of the lease until `done`."""
        every = self._lease.total_seconds() / 3
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), every)
            if done.is_set():
                return
            try:
                async with session_scope(self._sessions) as session:
                    result = await session.execute(
                        update(CONVERSATIONS)
                        .where(_C.id == conversation_id, _C.lease_owner == self._instance)
                        .values(lease_until=utcnow() + self._lease)
                    )
                if getattr(result, "rowcount", 0) != 1 and not done.is_set():
                    # Taken over after this instance stalled past its lease: the other worker
                    # owns the chat now; Rasa's message ids and the outbox's dedupe keys keep the
                    # turn from being answered twice.
                    log.warning("conversation lease lost", extra={"conversation": conversation_id})
                    return
            except Exception as exc:
                if not self._database.absorb(exc):
                    raise
