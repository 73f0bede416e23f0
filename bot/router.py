"""Router: takes inbox items in order, one turn at a time per conversation, even across instances.

A conversation is leased (conditional UPDATE on its row) by one worker. The lease is short and
renewed by a heartbeat while the worker runs, so a crashed instance blocks its chats only until
the lease runs out (seconds), never while a long turn is still being worked on. Rasa being
unavailable (or a custom action of the turn that could not run) leaves the item pending with
backoff and tells the citizen once that the assistant is busy. `shutdown` stops taking work,
lets the turns in flight finish and hands the leases back before the HTTP sessions close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.facts import FactSigner, TurnFacts
from bot.inbox import Inbox
from bot.leases import ConversationLeases
from bot.messages import InboundKind, InboundMessage, OutboundMessage
from bot.metrics import Metrics
from bot.models import Conversation, ConversationState, InboxItem, ItemStatus
from bot.outage import OutageLog
from bot.outbox import Outbox
from bot.rasa_client import RasaClient, RasaTurn, RasaUnavailable
from bot.storage import session_scope, utcnow
from bot.texts import text
from bot.transcript import annotate_intent
from bot.turns import TurnHook, TurnSignal

log = logging.getLogger(__name__)

CustomPayloadHandler = Callable[[AsyncSession, str, dict[str, Any]], Awaitable[None]]
# Gets each citizen message of a conversation an operator holds (state `handoff`), inside the
# router's transaction; True = consumed (the bot stays silent), False = pass it on to Rasa.
HeldMessageHandler = Callable[[AsyncSession, InboundMessage], Awaitable[bool]]
RESUME_EVENTS: list[dict[str, Any]] = [{"event": "resume"}]


def rasa_message_id(message: InboundMessage) -> str:
    """The turn's id at Rasa: the same on every retry, so Rasa answers a retry from its tracker."""
    return f"{message.channel}:{message.external_id}"


def rasa_text(message: InboundMessage, max_chars: int) -> str:
    """What Rasa gets for a turn: button payloads as they are, typed text never as an intent."""
    if message.kind in (InboundKind.BUTTON, InboundKind.COMMAND) and message.payload:
        return message.payload
    if message.kind is InboundKind.CONTACT:
        return "/share_contact"
    if message.kind is InboundKind.UNSUPPORTED:
        return "/unsupported_content"
    typed = (message.text or "").lstrip("/").strip()
    return typed[:max_chars]


def turn_signal(message: InboundMessage, turn: RasaTurn) -> TurnSignal:
    """What the review queue needs to know of a recorded turn."""
    pressed = message.kind is InboundKind.BUTTON and message.payload
    return TurnSignal(
        conversation_id=message.conversation_id,
        channel=message.channel,
        intent=turn.intent,
        confidence=turn.confidence,
        payload=message.payload if pressed else None,
        now=utcnow(),
    )


def rasa_metadata(message: InboundMessage, facts: FactSigner) -> dict[str, Any]:
    """The facts Rasa's actions may rely on, signed by the app; never set by the citizen."""
    metadata = facts.sign(
        TurnFacts(
            sender=message.conversation_id,
            channel=message.channel,
            chat_id=message.chat_id,
            user_id=message.user_id,
            message_id=rasa_message_id(message),
            contact=message.contact.model_dump(mode="json") if message.contact else None,
        )
    )
    if message.attachment is not None:
        metadata["attachment"] = {"kind": message.attachment.kind}
    return metadata


_RELEASES = "router_releases"


@dataclass
class _Step:
    """The next inbox item of a leased conversation, and the conversation's state with it."""

    item: InboxItem
    message: InboundMessage
    state: str


@dataclass
class _TurnEnd:
    """What the transaction ending a worker's last turn needs: the heartbeat to stop, and where
    to note that the lease went back with it (so the worker does not release it again)."""

    conversation_id: str
    renewal: asyncio.Event = field(default_factory=asyncio.Event)
    released: bool = False


def _released(session: Session) -> None:
    turn_end = session.info.pop(_RELEASES, None)
    if isinstance(turn_end, _TurnEnd):
        turn_end.released = True


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
        self._backoff_max = backoff_max_s
        self._max_text = max_text_chars
        self._facts = facts
        self._slots = asyncio.Semaphore(concurrency)
        self._active: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._rasa_watch: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._database = OutageLog("router", log)
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
        if self._rasa_watch is not None:
            self._rasa_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._rasa_watch
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
        turn_end = _TurnEnd(conversation_id)
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
        self, session: AsyncSession, item_id: int, turn_end: _TurnEnd
    ) -> _Step | None:
        """In the transaction that finishes a turn: mark it done and read the next item; with
        none due (or at shutdown) hand the lease back in the same commit."""
        await self._mark_done(session, item_id)
        step = None
        if not self._stopping.is_set():
            step = await self._next_step(session, turn_end.conversation_id)
        if step is None:
            turn_end.renewal.set()  # no heartbeat after the release below
            await self._leases.release(session, turn_end.conversation_id)
            session.info[_RELEASES] = turn_end
            event.listen(session.sync_session, "after_commit", _released, once=True)
        return step

    async def _process(self, step: _Step, turn_end: _TurnEnd) -> _Step | None:
        """Handle one item; the next one to handle, or None when the worker stops here."""
        item, message = step.item, step.message
        try:
            if step.state == ConversationState.HANDOFF:
                consumed, following = await self._held_by_operator(item, message, turn_end)
                if consumed:
                    return following
        except RasaUnavailable as exc:
            await self._postpone(item, message, str(exc))
            return None
        return await self._through_rasa(item, message, turn_end)

    async def _held_by_operator(
        self, item: InboxItem, message: InboundMessage, turn_end: _TurnEnd
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
        self, item: InboxItem, message: InboundMessage, turn_end: _TurnEnd
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
            await self._postpone(item, message, str(exc))
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
            await self._outbox.enqueue(
                session,
                conversation_id=message.conversation_id,
                channel=message.channel,
                chat_id=message.chat_id,
                message=OutboundMessage.from_rasa(reply),
                dedupe_key=f"inbox:{item.id}:{index}",
            )

    async def _mark_done(self, session: AsyncSession, item_id: int) -> None:
        await session.execute(
            update(InboxItem)
            .where(InboxItem.id == item_id)
            .values(status=ItemStatus.DONE, processed_at=utcnow())
        )

    async def _postpone(self, item: InboxItem, message: InboundMessage, reason: str) -> None:
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
                await self._outbox.enqueue(
                    session,
                    conversation_id=message.conversation_id,
                    channel=message.channel,
                    chat_id=message.chat_id,
                    message=OutboundMessage(text=text("assistant_busy")),
                    dedupe_key=f"busy:{item.id}",
                )
        self._watch_for_rasa()

    def _watch_for_rasa(self) -> None:
        if self._rasa_watch is None or self._rasa_watch.done():
            self._rasa_watch = asyncio.create_task(self._retry_when_rasa_is_back())

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
                if time.monotonic() >= give_up or self._stopping.is_set():
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
