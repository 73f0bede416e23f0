"""Outbox: replies are stored with the turn, then delivered by channel senders with retries.

An item is delivered at most once per claim: it is moved to `sending` by a conditional UPDATE
before the channel is called, so two dispatchers (or two instances) never send it twice. A reply
whose chat has nothing else undelivered is stored already claimed and sent right after its
transaction commits: one commit per reply (its `done`) instead of a read, a claim and a finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import event, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.delivery import ChannelSender, Deliverer
from bot.messages import InboundMessage, OutboundMessage
from bot.metrics import Metrics
from bot.models import OUTBOX, TRANSCRIPT, ItemStatus, OutboxItem
from bot.outage import OutageLog
from bot.storage import session_scope, utcnow

log = logging.getLogger(__name__)
_WAKE_PENDING = "outbox_wake_pending"
_CLAIMED = "outbox_claimed"
_LISTENING = "outbox_listening"
_UNFINISHED = (ItemStatus.PENDING, ItemStatus.SENDING)
_OUTBOX_COLUMNS = (
    "conversation_id", "channel", "chat_id", "transcript_id", "dedupe_key", "message", "status",
    "attempts", "created_at", "next_attempt_at",
)  # fmt: skip


class Outbox:
    """Stores replies and delivers them through the registered channel senders."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        metrics: Metrics,
        *,
        max_attempts: int,
        backoff_max_s: float,
        poll_interval_s: float,
        lease_s: float = 60.0,
    ) -> None:
        self._sessions = sessions
        self._metrics = metrics
        self._poll = poll_interval_s
        self._lease = timedelta(seconds=lease_s)
        self._senders: dict[str, ChannelSender] = {}
        self.queued = asyncio.Event()
        self._stopping = asyncio.Event()
        self._pass: asyncio.Future[int] | None = None
        self._direct: set[asyncio.Task[None]] = set()
        self._running = False
        self._database = OutageLog("outbox", log)
        self._deliverer = Deliverer(
            sessions, metrics, self._senders, max_attempts=max_attempts, backoff_max_s=backoff_max_s
        )

    @property
    def senders(self) -> Mapping[str, ChannelSender]:
        """The registered senders by channel (read-only: channels join through `register`)."""
        return MappingProxyType(self._senders)

    def register(self, sender: ChannelSender) -> None:
        """A channel's sender joins before the app starts; one sender per channel."""
        if sender.channel in self._senders:
            raise ValueError(f"a sender for {sender.channel} is already registered")
        self._senders[sender.channel] = sender

    async def enqueue(
        self,
        session: AsyncSession,
        *,
        conversation_id: str,
        channel: str,
        chat_id: str,
        message: OutboundMessage,
        dedupe_key: str,
        author: str = "bot",
    ) -> OutboxItem | None:
        """Add a reply (and its transcript line) in the caller's transaction; skip duplicates.

        Core INSERTs with RETURNING, not two ORM flushes; the returned item is a plain
        (transient) object carrying every column. Objects the caller added but did not flush go
        first, so transcript lines keep the order they were written in."""
        exists = await session.scalar(select(OUTBOX.c.id).where(OUTBOX.c.dedupe_key == dedupe_key))
        if exists is not None:
            return None
        if session.new:
            await session.flush()
        message = message.model_copy(update={"author": author})
        now = utcnow()
        line = await session.execute(
            insert(TRANSCRIPT)
            .values(
                conversation_id=conversation_id,
                author=author,
                text=message.text,
                payload=message.model_dump(
                    mode="json", exclude={"text", "author"}, exclude_defaults=True
                )
                or None,
                created_at=now,
            )
            .returning(TRANSCRIPT.c.id)
        )
        item = OutboxItem(
            conversation_id=conversation_id,
            channel=channel,
            chat_id=chat_id,
            transcript_id=line.scalar_one(),
            dedupe_key=dedupe_key,
            message=message.model_dump(mode="json"),
            status=ItemStatus.PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        claimed = await self._claim_with_enqueue(session, item)
        stored = await session.execute(
            insert(OUTBOX)
            .values({column: getattr(item, column) for column in _OUTBOX_COLUMNS})
            .returning(OUTBOX.c.id)
        )
        item.id = stored.scalar_one()
        self._wake_after_commit(session, claimed)
        return item

    async def reply_to(
        self, session: AsyncSession, to: InboundMessage, message: OutboundMessage, dedupe_key: str
    ) -> OutboxItem | None:
        """`enqueue` a reply to the chat the inbound message `to` came from."""
        return await self.enqueue(
            session,
            conversation_id=to.conversation_id,
            channel=to.channel,
            chat_id=to.chat_id,
            message=message,
            dedupe_key=dedupe_key,
        )

    async def _claim_with_enqueue(self, session: AsyncSession, item: OutboxItem) -> bool:
        """Claim a chat's reply for its first attempt in the transaction that stores it, when
        nothing of that chat is still undelivered: it is sent right after the commit, without a
        dispatcher pass reading the table and a claim transaction of its own. Only while the
        dispatcher runs (it also serves the replies of a worker that stopped)."""
        if not self._running or self._stopping.is_set() or item.channel not in self.senders:
            return False
        claimed: dict[str, list[OutboxItem]] = session.info.setdefault(_CLAIMED, {})
        if item.conversation_id not in claimed:
            earlier = await session.scalar(
                select(OUTBOX.c.id)
                .where(
                    OUTBOX.c.conversation_id == item.conversation_id,
                    OUTBOX.c.status.in_(_UNFINISHED),
                )
                .limit(1)
            )
            if earlier is not None:
                return False
            claimed[item.conversation_id] = []
        item.status = ItemStatus.SENDING
        item.next_attempt_at = utcnow() + self._lease
        item.attempts = 0
        claimed[item.conversation_id].append(item)
        return True

    def _wake_after_commit(self, session: AsyncSession, claimed: bool) -> None:
        """Once the reply is visible, send what was claimed with it and wake the dispatcher for
        the rest: waking it earlier finds nothing and leaves the reply waiting a poll interval."""
        if not claimed:
            session.info[_WAKE_PENDING] = True
        if session.info.get(_LISTENING):
            return
        session.info[_LISTENING] = True
        event.listen(session.sync_session, "after_commit", self._committed, once=True)
        event.listen(session.sync_session, "after_rollback", self._rolled_back, once=True)

    def _committed(self, session: Session) -> None:
        session.info.pop(_LISTENING, None)
        if session.info.pop(_WAKE_PENDING, None):
            self.queued.set()
        for items in session.info.pop(_CLAIMED, {}).values():
            if items:
                task = asyncio.ensure_future(self._deliver_claimed(items))
                self._direct.add(task)
                task.add_done_callback(self._direct.discard)

    @staticmethod
    def _rolled_back(session: Session) -> None:
        for key in (_LISTENING, _WAKE_PENDING, _CLAIMED):
            session.info.pop(key, None)

    async def _deliver_claimed(self, items: list[OutboxItem]) -> None:
        """Send replies claimed with their enqueue, in order; a reply that must wait hands the
        later ones back to the dispatcher at once (not after their claim runs out)."""
        try:
            for index, item in enumerate(items):
                if self._stopping.is_set():  # draining: another instance sends the rest
                    await self._unclaim(items[index:])
                    return
                if not await self._deliverer.send(item):
                    await self._unclaim(items[index + 1 :])
                    return
        except Exception as exc:
            self._metrics.errors.labels(component="outbox").inc()
            if not self._database.absorb(exc):  # the claims run out; the dispatcher retakes them
                log.exception("outbox delivery failed")

    async def _unclaim(self, items: list[OutboxItem]) -> None:
        if not items:
            return
        async with session_scope(self._sessions) as session:
            await session.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.id.in_([item.id for item in items]),
                    OutboxItem.status == ItemStatus.SENDING,
                )
                .values(status=ItemStatus.PENDING, next_attempt_at=utcnow())
            )
        self.queued.set()

    async def mark_failed(self, outbox_id: int, reason: str) -> None:
        """The channel reported, after accepting it, that a sent reply never reached the citizen
        (e.g. Viber's `failed` callback): record it on the item."""
        self._metrics.errors.labels(component="delivery_reported_failed").inc()
        async with session_scope(self._sessions) as session:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == outbox_id)
                .values(status=ItemStatus.FAILED, last_error=reason[:200])
            )

    async def run_forever(self) -> None:
        """Deliver due items; wake when something is queued or every poll interval.

        Returns once `shutdown` has begun, after the pass in progress."""
        self._running = True
        while not self._stopping.is_set():
            self._pass = asyncio.ensure_future(self.deliver_due())
            try:
                await asyncio.shield(self._pass)
                self._database.recovered()
            except Exception as exc:
                self._metrics.errors.labels(component="outbox").inc()
                if not self._database.absorb(exc):
                    log.exception("outbox pass failed")
            finally:
                self._pass = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.queued.wait(), timeout=self._poll)
            self.queued.clear()

    async def shutdown(self, grace_s: float) -> None:
        """Take no new pass and claim nothing more; let the sends in flight finish (up to
        `grace_s`) and hand claimed-but-unsent replies back, so no reply is left claimed as
        `sending` by an instance that is gone, and none is sent twice."""
        self._stopping.set()
        self.queued.set()
        running = [task for task in (self._pass, *self._direct) if task is not None]
        if running:
            _, late = await asyncio.wait(running, timeout=grace_s)
            if late:
                log.warning("outbox sends still running at shutdown were cancelled")
            for task in late:
                task.cancel()

    async def deliver_due(self) -> int:
        """One pass: for each chat, send its due items in order; returns how many were sent."""
        now = utcnow()
        async with self._sessions() as session:
            due = list(
                await session.scalars(
                    # not-yet-due items are read too: they hold back later replies of their chat
                    select(OutboxItem)
                    .where(
                        OutboxItem.status.in_((ItemStatus.PENDING, ItemStatus.SENDING)),
                        OutboxItem.channel.in_(list(self.senders)),
                    )
                    .order_by(OutboxItem.id)
                    .limit(500)
                )
            )
        by_chat: dict[str, list[OutboxItem]] = {}
        for item in due:
            by_chat.setdefault(item.conversation_id, []).append(item)
        results = await asyncio.gather(
            *(self._deliver_chat(items, now) for items in by_chat.values())
        )
        return sum(results)

    async def _deliver_chat(self, items: list[OutboxItem], now: datetime) -> int:
        sent = 0
        for item in items:
            # draining: finish the send in flight, claim nothing more (a send cut off by the
            # grace period after the channel took it would be sent again by another instance)
            if self._stopping.is_set():
                return sent
            if item.next_attempt_at > now or not await self._claim(item):
                return sent
            outcome = await self._deliverer.send(item)
            if not outcome:
                return sent  # keep the chat's order: later items wait for this one
            sent += 1
        return sent

    async def _claim(self, item: OutboxItem) -> bool:
        """Move to `sending` unless another dispatcher holds it (a stale lease may be retaken)."""
        now = utcnow()
        async with session_scope(self._sessions) as session:
            result = await session.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.id == item.id,
                    OutboxItem.status == item.status,
                    OutboxItem.next_attempt_at == item.next_attempt_at,
                )
                .values(status=ItemStatus.SENDING, next_attempt_at=now + self._lease)
            )
            return bool(getattr(result, "rowcount", 0) == 1)
