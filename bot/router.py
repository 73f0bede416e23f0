"""Router: takes inbox items in order, one turn at a time per conversation, even across instances.

A conversation is leased (conditional UPDATE on its row) by one worker. The lease is short and
renewed by a heartbeat while the worker runs, so a crashed instance blocks its chats only until
the lease runs out (seconds), never while a long turn is still being worked on. Rasa being
unavailable (or a custom action of the turn that could not run) leaves the item pending with
backoff and tells the citizen once that the assistant is busy (`bot.rasa_wait`). `shutdown`
stops taking work, lets the turns in flight finish and hands the leases back before the HTTP
sessions close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.facts import FactSigner
from bot.inbox import Inbox
from bot.leases import ConversationLeases, LeaseHold
from bot.messages import InboundMessage, OutboundMessage
from bot.metrics import Metrics
from bot.models import INBOX, Conversation, ConversationState, InboxItem, ItemStatus
from bot.outage import OutageLog
from bot.outbox import Outbox
from bot.rasa_client import RasaClient, RasaTurn, RasaUnavailable
from bot.rasa_wait import RasaWait
from bot.storage import session_scope, utcnow
from bot.transcript import annotate_intent
from bot.turns import TurnHook, rasa_message_id, rasa_metadata, rasa_text, turn_signal

log = logging.getLogger(__name__)

CustomPayloadHandler = Callable[[AsyncSession, str, dict[str, Any]], Awaitable[None]]
# Gets each citizen message of a conversation an operator holds (state `handoff`), inside the
# router's transaction; True = consumed (the bot stays silent), False = pass it on to Rasa.
HeldMessageHandler = Callable[[AsyncSession, InboundMessage], Awaitable[bool]]
RESUME_EVENTS: list[dict[str, Any]] = [{"event": "resume"}]


@dataclass
class _Step:
    """The next inbox item of a leased conversation, and the conversation's state with it."""

    item: InboxItem
    message: InboundMessage
    state: str


class Router:
    """Moves inbox items through Rasa (or the handoff module) into the outbox."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Inbox,
        outbox: Outbox,
        rasa: RasaClient,
        metrics: Metrics,
        *,
        instance: str,
        lease_s: float,
        poll_interval_s: float,
        backoff_max_s: float,
        max_text_chars: int,
        facts: FactSigner,
        custom_handlers: Mapping[str, CustomPayloadHandler] | None = None,
        held_message_handler: HeldMessageHandler | None = None,
        on_turn: TurnHook | None = None,
        concurrency: int = 8,
    ) -> None:
        self._sessions = sessions
        self._inbox = inbox
        self._outbox = outbox
        self._rasa = rasa
        self._metrics = metrics
        self._poll = poll_interval_s
        self._max_text = max_text_chars
        self._facts = facts
        self._slots = asyncio.Semaphore(concurrency)
        self._active: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._database = OutageLog("router", log)
        self._waiting = RasaWait(
            sessions,
            inbox,
            outbox,
            rasa,
            metrics,
            self._database,
            poll_interval_s=poll_interval_s,
            backoff_max_s=backoff_max_s,
        )
        self._leases = ConversationLeases(
            sessions, instance=instance, lease_s=lease_s, database=self._database
        )
        self._custom_handlers: dict[str, CustomPayloadHandler] = dict(custom_handlers or {})
        self._held_message_handler = held_message_handler
        self._on_turn = on_turn

    async def run_forever(self) -> None:
        """Wake on new inbox items or every poll interval; never dies on one bad conversation.

        Returns once `shutdown` has begun (it waits for the conversations in flight itself).
        """
        while not self._stopping.is_set():
            try:
                await self.dispatch_due()
                self._database.recovered()
            except Exception as exc:
                self._metrics.errors.labels(component="router").inc()
                if not self._database.absorb(exc):
                    log.exception("router pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._inbox.arrived.wait(), timeout=self._poll)
            self._inbox.arrived.clear()

    async def shutdown(self, grace_s: float) -> None:
        """Stop taking conversations, let the turns in flight finish (up to `grace_s`), then hand
        back every lease this instance holds so another instance takes its chats at once."""
        self._stopping.set()
        self._inbox.arrived.set()
        if self._tasks:
            _, late = await asyncio.wait(list(self._tasks), timeout=grace_s)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
                log.warning(
                    "turns still running at shutdown were handed back", extra={"count": len(late)}
                )
        await self._waiting.stop()
        await self._leases.release_all()

    async def dispatch_due(self) -> None:
        """Start a worker for each conversation that has a due item and no worker yet."""
        if self._stopping.is_set():
            return
        now = utcnow()
        async with self._sessions() as session:
            rows = await session.scalars(
                select(InboxItem.conversation_id)
                .where(InboxItem.status == ItemStatus.PENDING, InboxItem.next_attempt_at <= now)
                .group_by(InboxItem.conversation_id)
                .limit(200)
            )
            due = [cid for cid in rows if cid not in self._active]
        for conversation_id in due:
            self._active.add(conversation_id)
            task = asyncio.create_task(self._work(conversation_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Process everything due now and wait for it (tests and shutdown)."""
        await self.dispatch_due()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _work(self, conversation_id: str) -> None:
        try:
            async with self._slots:
                if not self._stopping.is_set():
                    await self._run_conversation(conversation_id)
        except Exception as exc:
            self._metrics.errors.labels(component="router").inc()
            if not self._database.absorb(exc):  # an outage: the item stays pending
                log.exception("conversation worker failed")
        finally:
            self._active.discard(conversation_id)

    async def _run_conversation(self, conversation_id: str) -> None:
        """Work off the conversation's due items under its lease.

        Two commits per turn: the claim reads the first item in its own transaction, and each
        turn's record reads the next item in the same transaction, handing the lease back there
        when nothing more is due. A turn is done only in the transaction that stores its answer.
        """
        async with session_scope(self._sessions) as session:
            if not await self._leases.claim(session, conversation_id):
                return
            step = await self._next_step(session, conversation_id)
            if step is None:
                await self._leases.release(session, conversation_id)
        if step is None:
            return
        turn_end = LeaseHold(conversation_id)
        try:
            async with self._leases.renewed(conversation_id) as renewal:
                turn_end.renewal = renewal
                while step is not None:
                    step = await self._process(step, turn_end)
        finally:
            if not turn_end.released:
                await self._leases.release_now(conversation_id)

    async def _next_step(self, session: AsyncSession, conversation_id: str) -> _Step | None:
        """The conversation's oldest pending item when it is due, with the conversation's state."""
        row = (
            await session.execute(
                select(InboxItem, Conversation.state)
                .join(Conversation, Conversation.id == InboxItem.conversation_id)
                .where(
                    InboxItem.conversation_id == conversation_id,
                    InboxItem.status == ItemStatus.PENDING,
                )
                .order_by(InboxItem.id)
                .limit(1)
            )
        ).first()
        if row is None or row[0].next_attempt_at > utcnow():
            return None
        item, state = row
        return _Step(item, InboundMessage.model_validate(item.message), state)

    async def _end_turn(
        self, session: AsyncSession, item_id: int, turn_end: LeaseHold
    ) -> _Step | None:
        """In the transaction that finishes a turn: mark it done and read the next item; with
        none due (or at shutdown) hand the lease back in the same commit."""
        await self._mark_done(session, item_id)
        step = None
        if not self._stopping.is_set():
            step = await self._next_step(session, turn_end.conversation_id)
        if step is None:
            await self._leases.release_with_commit(session, turn_end)
        return step

    async def _process(self, step: _Step, turn_end: LeaseHold) -> _Step | None:
        """Handle one item; the next one to handle, or None when the worker stops here."""
        item, message = step.item, step.message
        try:
            if step.state == ConversationState.HANDOFF:
                consumed, following = await self._held_by_operator(item, message, turn_end)
                if consumed:
                    return following
        except RasaUnavailable as exc:
            await self._waiting.postpone(item, message, str(exc))
            return None
        return await self._through_rasa(item, message, turn_end)

    async def _held_by_operator(
        self, item: InboxItem, message: InboundMessage, turn_end: LeaseHold
    ) -> tuple[bool, _Step | None]:
        """(True, next step) when the handoff module consumed the message of a conversation it
        holds.

        When it hands the conversation back instead (the citizen left the queue), Rasa's tracker
        is resumed before that transaction commits, so a failure leaves both to be retried.
        """
        handler = self._held_message_handler
        if handler is None:
            return False, None
        async with session_scope(self._sessions) as session:
            conversation = await session.get(Conversation, message.conversation_id)
            if conversation is None or conversation.state != ConversationState.HANDOFF:
                return False, None
            if await handler(session, message):
                return True, await self._end_turn(session, item.id, turn_end)
            await self._rasa.append_events(message.conversation_id, RESUME_EVENTS)
        return False, None

    async def _through_rasa(
        self, item: InboxItem, message: InboundMessage, turn_end: LeaseHold
    ) -> _Step | None:
        started = time.perf_counter()
        try:
            if message.resume_bot:
                # the operator closed the chat: Rasa must answer again before this turn
                await self._rasa.append_events(message.conversation_id, RESUME_EVENTS)
            turn = await self._rasa.turn(
                sender=message.conversation_id,
                message=rasa_text(message, self._max_text),
                message_id=rasa_message_id(message),
                metadata=rasa_metadata(message, self._facts),
            )
        except RasaUnavailable as exc:
            await self._waiting.postpone(item, message, str(exc))
            return None
        self._metrics.turn_latency.labels(channel=message.channel).observe(
            time.perf_counter() - started
        )
        async with session_scope(self._sessions) as session:
            await self._record_turn(session, item, message, turn)
            return await self._end_turn(session, item.id, turn_end)

    async def _record_turn(
        self, session: AsyncSession, item: InboxItem, message: InboundMessage, turn: RasaTurn
    ) -> None:
        if not message.resume_bot:  # the app's own turn: the citizen's last line keeps its intent
            await annotate_intent(session, message.conversation_id, turn.intent, turn.confidence)
            if self._on_turn is not None:
                await self._on_turn(session, turn_signal(message, turn))
        for index, reply in enumerate(turn.messages):
            custom = reply.get("custom")
            if isinstance(custom, dict):
                for key, value in custom.items():
                    handler = self._custom_handlers.get(key)
                    if handler is not None:
                        await handler(session, message.conversation_id, value)
                if not (reply.get("text") or "request_contact" in custom):
                    continue
            await self._outbox.reply_to(
                session, message, OutboundMessage.from_rasa(reply), f"inbox:{item.id}:{index}"
            )

    async def _mark_done(self, session: AsyncSession, item_id: int) -> None:
        await session.execute(
            update(INBOX)
            .where(INBOX.c.id == item_id)
            .values(status=ItemStatus.DONE, processed_at=utcnow())
        )
