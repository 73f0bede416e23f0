"""The handoff service: queues chats for operators, hands them over, and gives them back to the bot.

Every method except the workers runs inside the caller's transaction. Competing writers (two
operators, two instances, the auto-assigner) are settled by conditional UPDATEs on the chat row;
whoever changes nothing gets ChatConflict. Side effects outside the database (Rasa's tracker,
wake-ups) run only after the caller commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.inbox import Inbox, store_system_item
from bot.messages import InboundKind, InboundMessage, OutboundMessage
from bot.models import Conversation, ConversationState, TranscriptEntry
from bot.outage import OutageLog
from bot.outbox import Outbox
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.storage import session_scope, utcnow
from bot.texts import text
from bot.wakeups import Pulse
from handoff import notices, store
from handoff.config import HandoffConfig
from handoff.effects import AfterCommit, Effect
from handoff.errors import ChatConflict, ChatNotFound, NotAllowed
from handoff.models import (
    AuditEntry,
    ChatStatus,
    HandoffChat,
    Operator,
    OperatorGroup,
    OperatorMembership,
    Presence,
    Rating,
)
from handoff.queue import (
    Notified,
    group_for_topic,
    is_open,
    least_loaded,
    next_opening,
    should_notify,
    week_hours,
)
from review.triggers import note_rating

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Announce = Callable[[], Awaitable[None]]
HANDOFF_CLOSED_PAYLOAD = "/handoff_closed"
CHAT_NUMBER_PREFIX = "ОП-"
MAX_ASSIGNMENTS_PER_TICK = 100
PRESENCE_TIMEOUT = timedelta(seconds=60)  # no console heartbeat for this long: away
TAKEABLE = (ChatStatus.QUEUED, ChatStatus.DEFERRED)
HOLDING = (ChatStatus.QUEUED, ChatStatus.ASSIGNED)


def chat_number(chat_id: int) -> str:
    """What the citizen can quote: `ОП-000123`."""
    return f"{CHAT_NUMBER_PREFIX}{chat_id:06d}"


class HandoffService:
    """Owns the life of handoff chats; the router, the console API and a worker call it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Inbox,
        outbox: Outbox,
        rasa: RasaClient,
        config: HandoffConfig,
        *,
        clock: Clock = utcnow,
        announce: Announce | None = None,
        tick_s: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self._inbox = inbox
        self._outbox = outbox
        self._rasa = rasa
        self.config = config
        self._clock = clock
        self._announce = announce
        self._tick_s = tick_s
        self._wake = asyncio.Event()
        self.changed = Pulse()  # every console feed on this instance watches it
        self._after_commit = AfterCommit(self.changed.set)

    # --- citizen side: router custom handlers and held messages ---------------------------

    async def on_handoff(
        self, session: AsyncSession, conversation_id: str, payload: dict[str, Any]
    ) -> None:
        """Queue the chat for the topic's group, or defer it out of hours; never queue twice."""
        conversation = await session.get(Conversation, conversation_id)
        groups = await store.active_groups(session)
        if conversation is None or not groups:
            log.error("handoff requested without a conversation or operator groups")
            return
        now = self._clock()
        current = await store.open_chat(session, conversation_id)
        if current is not None:
            await self._tell_standing(session, current, conversation, now)
            return
        topic = str(payload.get("topic") or "general")[:40]
        group = group_for_topic(groups, topic)
        summary = payload.get("summary")
        chat = HandoffChat(
            number=f"new-{uuid.uuid4().hex[:16]}",
            conversation_id=conversation_id,
            channel=conversation.channel,
            chat_id=conversation.chat_id,
            group_code=group.code,
            topic=topic,
            reason=str(payload.get("reason") or "requested")[:40],
            summary=str(summary)[:2000] if summary else None,
            status=ChatStatus.QUEUED if is_open(group, now) else ChatStatus.DEFERRED,
            queued_at=now,
            updated_at=now,
            version=1,
        )
        session.add(chat)
        await session.flush()
        chat.number = chat_number(chat.id)
        if chat.status == ChatStatus.QUEUED:
            await self._tell_queued(session, chat, group, conversation, now)
        else:
            opening = next_opening(group, now)
            await self._tell(
                session,
                chat,
                notices.deferred(group.title, chat.number, week_hours(group), opening, now),
                "deferred",
            )
            self._after_commit.add(session, self._announce_change)

    async def on_csat(
        self, session: AsyncSession, conversation_id: str, payload: dict[str, Any]
    ) -> None:
        """Store the 1–5 rating against the conversation's latest closed chat, once."""
        try:
            rating = int(payload.get("rating", 0))
        except (TypeError, ValueError):
            rating = 0
        if not 1 <= rating <= 5:
            return
        chat = await session.scalar(
            select(HandoffChat)
            .where(
                HandoffChat.conversation_id == conversation_id,
                HandoffChat.status == ChatStatus.CLOSED,
            )
            .order_by(HandoffChat.closed_at.desc(), HandoffChat.id.desc())
            .limit(1)
        )
        if chat is None:
            return
        if await session.scalar(select(Rating.id).where(Rating.chat_id == chat.id)) is not None:
            return
        session.add(Rating(chat_id=chat.id, rating=rating, created_at=self._clock()))
        await note_rating(session, conversation_id, chat.channel, rating, self._clock())
        await self._touch(session, chat)
        self._after_commit.add(session, self._announce_change)

    async def on_leave_queue(
        self, session: AsyncSession, conversation_id: str, payload: dict[str, Any]
    ) -> None:
        """Take the conversation's queued or deferred chat out of the queue; idempotent."""
        chat = await store.open_chat(session, conversation_id, TAKEABLE)
        conversation = await session.get(Conversation, conversation_id)
        if chat is None or conversation is None:
            return
        await self._leave(session, chat, conversation)

    async def on_citizen_message(self, session: AsyncSession, message: InboundMessage) -> bool:
        """A message of a held conversation: True = consumed (the operator reads it)."""
        conversation = await session.get(Conversation, message.conversation_id)
        if conversation is None:
            return False
        chat = await store.open_chat(session, message.conversation_id, HOLDING)
        if chat is None:
            conversation.state = ConversationState.BOT  # nothing holds it: back to the bot
            return False
        if message.payload == notices.LEAVE_QUEUE_PAYLOAD:
            if chat.status == ChatStatus.QUEUED:
                await self._leave(session, chat, conversation)
                return False  # Rasa answers utter_left_queue
            await self._touch(session, chat)
            await self._tell(session, chat, notices.plain("handoff_leave_when_assigned"), "stay")
        else:
            # the message is in the transcript already; live views re-read the chat
            await self._touch(session, chat)
        self._after_commit.add(session, self._announce_change)
        return True

    # --- operator side: the console API ------------------------------------------------------

    async def take(self, session: AsyncSession, operator: Operator, chat_id: int) -> HandoffChat:
        """Assign a waiting (queued or deferred) chat; exactly one of competing takers wins."""
        chat = await self._chat(session, chat_id)
        await self._check_group(session, operator, chat.group_code)
        previous = chat.status
        if previous not in TAKEABLE or not await self._assign(session, chat.id, operator.id):
            raise ChatConflict("the chat is no longer waiting")
        return await self._assigned(session, chat.id, operator, previous, "take")

    async def take_next(self, session: AsyncSession, operator: Operator) -> HandoffChat | None:
        """The oldest waiting chat of the operator's groups (queued before deferred), if any."""
        if await store.assigned_count(session, operator.id) >= operator.max_chats:
            return None
        groups = await store.operator_groups(session, operator)
        for status in TAKEABLE:
            candidates = await session.scalars(
                select(HandoffChat.id)
                .where(HandoffChat.status == status, HandoffChat.group_code.in_(groups))
                .order_by(HandoffChat.queued_at, HandoffChat.id)
                .limit(20)
            )
            for chat_id in list(candidates):
                with contextlib.suppress(ChatConflict):
                    return await self.take(session, operator, chat_id)
        return None

    async def reply(
        self, session: AsyncSession, operator: Operator, chat_id: int, text: str
    ) -> TranscriptEntry:
        """Send the operator's message to the citizen's channel through the outbox."""
        body = text.strip()
        if not body:
            raise ValueError("empty reply")
        chat = await self._chat(session, chat_id)
        if chat.status != ChatStatus.ASSIGNED:
            raise ChatConflict("the chat is not assigned")
        if chat.operator_id != operator.id:
            raise NotAllowed("not your chat")
        now = self._clock()
        if chat.first_response_at is None:
            chat.first_response_at = now
        await self._touch(session, chat)
        item = await self._outbox.enqueue(
            session,
            conversation_id=chat.conversation_id,
            channel=chat.channel,
            chat_id=chat.chat_id,
            message=OutboundMessage(text=body),
            dedupe_key=f"handoff-reply:{chat.id}:{uuid.uuid4().hex}",
            author="operator",
        )
        assert item is not None  # a fresh key is never a duplicate
        assert item.transcript_id is not None
        entry = await session.get(TranscriptEntry, item.transcript_id)
        assert entry is not None
        self._audit(session, operator, "reply", chat.id, {"chars": len(body)})
        self._after_commit.add(session, self._announce_change)
        return entry

    async def transfer(
        self,
        session: AsyncSession,
        operator: Operator,
        chat_id: int,
        *,
        group_code: str | None = None,
        operator_id: int | None = None,
        note: str = "",
    ) -> HandoffChat:
        """Hand the chat to another group (queued again, keeps `queued_at`) or a named operator."""
        if (group_code is None) == (operator_id is None):
            raise ValueError("transfer to exactly one of a group or an operator")
        chat = await self._chat(session, chat_id)
        if chat.status not in HOLDING:
            raise ChatConflict("the chat is not waiting or assigned")
        if chat.operator_id != operator.id and operator.role not in store.STAFF_ROLES:
            raise NotAllowed("not your chat")
        now = self._clock()
        condition = (HandoffChat.version == chat.version, HandoffChat.status.in_(HOLDING))
        if group_code is not None:
            group = await session.get(OperatorGroup, group_code)
            if group is None or not group.active:
                raise ChatNotFound("no such group")
            values: dict[str, Any] = {
                "status": ChatStatus.QUEUED,
                "group_code": group.code,
                "operator_id": None,
                "assigned_at": None,
            }
            line = text("handoff_note_to_group").format(group=group.title, note=note)
            notice = notices.plain("handoff_transferred", group=group.title)
        else:
            target = await session.get(Operator, operator_id)
            if target is None or not target.active:
                raise ChatNotFound("no such operator")
            values = {"status": ChatStatus.ASSIGNED, "operator_id": target.id, "assigned_at": now}
            line = text("handoff_note_to_operator").format(operator=target.name, note=note)
            was_assigned = chat.status == ChatStatus.ASSIGNED
            notice = notices.plain(
                "handoff_operator_changed" if was_assigned else "handoff_assigned"
            )
        if not await store.change_chat(session, chat.id, now, *condition, **values):
            raise ChatConflict("the chat changed meanwhile")
        chat = await self._chat(session, chat.id, refresh=True)
        note_line = TranscriptEntry(
            conversation_id=chat.conversation_id, author="system", text=line.strip()
        )
        session.add(note_line)
        await self._tell(session, chat, notice, "transfer")
        detail = {"to_group": group_code, "to_operator": operator_id, "note": note}
        self._audit(session, operator, "transfer", chat.id, detail)
        self._after_commit.add(session, self._announce_change, self._wake_worker)
        return chat

    async def close(
        self, session: AsyncSession, operator: Operator, chat_id: int, resolution: str
    ) -> HandoffChat:
        """Close with a resolution code and give the conversation back to the bot (rating next)."""
        if not resolution or len(resolution) > 40:
            raise ValueError("resolution must be 1–40 characters")
        chat = await self._chat(session, chat_id)
        if chat.status != ChatStatus.ASSIGNED:
            raise ChatConflict("the chat is not assigned")
        if chat.operator_id != operator.id and operator.role not in store.STAFF_ROLES:
            raise NotAllowed("not your chat")
        now = self._clock()
        closed = await store.change_chat(
            session,
            chat.id,
            now,
            HandoffChat.status == ChatStatus.ASSIGNED,
            status=ChatStatus.CLOSED,
            closed_at=now,
            resolution=resolution,
        )
        if not closed:
            raise ChatConflict("the chat was closed or moved meanwhile")
        chat = await self._chat(session, chat.id, refresh=True)
        conversation = await session.get(Conversation, chat.conversation_id)
        if conversation is not None:
            conversation.state = ConversationState.BOT
        await store_system_item(
            session,
            InboundMessage(
                channel=chat.channel,
                chat_id=chat.chat_id,
                user_id=chat.chat_id,
                external_id=f"handoff-closed:{chat.id}",
                kind=InboundKind.COMMAND,
                payload=HANDOFF_CLOSED_PAYLOAD,
                resume_bot=True,
            ),
        )
        self._audit(session, operator, "close", chat.id, {"resolution": resolution})
        self._after_commit.add(session, self._inbox.wake, self._announce_change)
        return chat

    async def set_presence(self, session: AsyncSession, operator: Operator, presence: str) -> None:
        """Online operators get chats auto-assigned; away ones keep what they hold.

        Going offline (or logging out) puts the operator's chats back at the head of their
        queues (they keep `queued_at`), so no citizen waits on someone who has left.
        """
        state = Presence(presence)
        now = self._clock()
        row = await session.get(Operator, operator.id)
        if row is None:
            raise ChatNotFound("no such operator")
        row.presence, row.presence_at, row.last_seen_at = state, now, now
        if row is not operator:  # the caller's copy from another session shows it too
            operator.presence, operator.presence_at = state, now
        requeued = (
            await self._requeue_held(session, operator.id) if state is Presence.OFFLINE else 0
        )
        detail = {"presence": state.value, "requeued": requeued}
        self._audit(session, operator, "presence", None, detail)
        self._after_commit.add(session, self._announce_change, self._wake_worker)

    async def _requeue_held(self, session: AsyncSession, operator_id: int) -> int:
        held = list(
            await session.scalars(
                select(HandoffChat).where(
                    HandoffChat.operator_id == operator_id,
                    HandoffChat.status == ChatStatus.ASSIGNED,
                )
            )
        )
        now = self._clock()
        for chat in held:
            if await store.change_chat(
                session,
                chat.id,
                now,
                HandoffChat.status == ChatStatus.ASSIGNED,
                status=ChatStatus.QUEUED,
                operator_id=None,
                assigned_at=None,
            ):
                await self._tell(session, chat, notices.plain("handoff_operator_changed"), "away")
        return len(held)

    # --- workers ------------------------------------------------------------------------------

    async def run_forever(self) -> None:
        """Tick every `tick_s`, or at once when a chat is queued or an operator comes online."""
        database = OutageLog("handoff", log)
        while True:
            try:
                await self.tick()
                database.recovered()
            except Exception as exc:
                if not database.absorb(exc):  # an outage is logged once, not every tick
                    log.exception("handoff tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._tick_s)
            self._wake.clear()

    async def tick(self) -> None:
        """Auto-assign waiting chats to online operators, then tell citizens about progress."""
        await self._sweep_vanished_operators()
        async with self._sessions() as session:
            groups = await store.active_groups(session)
        for group in groups:
            if group.auto_assign:
                await self._auto_assign(group.code)
            await self._update_positions(group.code)

    async def settle(self) -> None:
        """Wait for side effects already started (Rasa pause, wake-ups): tests and shutdown."""
        await self._after_commit.settle()

    # --- internals ----------------------------------------------------------------------------

    async def _auto_assign(self, group_code: str) -> None:
        for _ in range(MAX_ASSIGNMENTS_PER_TICK):
            async with session_scope(self._sessions) as session:
                chat_id = await session.scalar(
                    select(HandoffChat.id)
                    .where(
                        HandoffChat.group_code == group_code,
                        HandoffChat.status == ChatStatus.QUEUED,
                    )
                    .order_by(HandoffChat.queued_at, HandoffChat.id)
                    .limit(1)
                )
                if chat_id is None:
                    return
                chosen = least_loaded(await store.operator_loads(session, group_code))
                if chosen is None:
                    return
                operator = await session.get(Operator, chosen.operator_id)
                assert operator is not None
                if not await self._assign(session, chat_id, operator.id, limit=operator.max_chats):
                    continue  # taken meanwhile, or the operator filled up: look again
                await self._assigned(session, chat_id, operator, ChatStatus.QUEUED, "auto_assign")

    async def _sweep_vanished_operators(self) -> None:
        """An online operator whose console has been gone a while (closed tab, lost network) is
        set away, so auto-assignment stops giving them chats; what they hold stays theirs."""
        cutoff = self._clock() - PRESENCE_TIMEOUT
        async with session_scope(self._sessions) as session:
            vanished = list(
                await session.scalars(
                    select(Operator).where(
                        Operator.presence == Presence.ONLINE,
                        Operator.last_seen_at.is_not(None),
                        Operator.last_seen_at < cutoff,
                    )
                )
            )
            for operator in vanished:
                await self.set_presence(session, operator, Presence.AWAY)

    async def _update_positions(self, group_code: str) -> None:
        now = self._clock()
        async with session_scope(self._sessions) as session:
            view = await store.queue_view(session, group_code, now, self.config.default_handling_s)
            for chat in view.chats:
                place, wait_s = view.standing(chat)
                last = Notified(chat.notified_position, chat.notified_wait_s, chat.notified_at)
                if not should_notify(last, place, wait_s, now):
                    continue
                if await store.change_chat(
                    session,
                    chat.id,
                    now,
                    HandoffChat.version == chat.version,  # another instance told it already
                    notified_position=place,
                    notified_wait_s=wait_s,
                    notified_at=now,
                ):
                    update_ = notices.queue_update(place, wait_s)
                    await self._tell(session, chat, update_, "queue")
                    self._after_commit.add(session, self._announce_change)

    async def _assign(
        self, session: AsyncSession, chat_id: int, operator_id: int, *, limit: int | None = None
    ) -> bool:
        """The conditional UPDATE that decides a race: True when this caller got the chat."""
        if limit is not None:
            # lock the operator's row (PostgreSQL) so two instances cannot both fill the last slot
            await session.execute(
                select(Operator.id).where(Operator.id == operator_id).with_for_update()
            )
            if await store.assigned_count(session, operator_id) >= limit:
                return False
        now = self._clock()
        return await store.change_chat(
            session,
            chat_id,
            now,
            HandoffChat.status.in_(TAKEABLE),
            status=ChatStatus.ASSIGNED,
            operator_id=operator_id,
            assigned_at=now,
        )

    async def _assigned(
        self,
        session: AsyncSession,
        chat_id: int,
        operator: Operator,
        previous: str,
        action: str,
    ) -> HandoffChat:
        """After winning a chat: the conversation is held, the citizen told, the audit written."""
        chat = await self._chat(session, chat_id, refresh=True)
        conversation = await session.get(Conversation, chat.conversation_id)
        if conversation is not None:
            conversation.state = ConversationState.HANDOFF
        await self._tell(session, chat, notices.plain("handoff_assigned"), "assigned")
        self._audit(session, operator, action, chat.id, None)
        effects: list[Effect] = [self._announce_change]
        if previous == ChatStatus.DEFERRED:  # a queued chat's tracker is paused already
            effects.append(partial(self._pause, chat.conversation_id))
        self._after_commit.add(session, *effects)
        return chat

    async def _leave(
        self, session: AsyncSession, chat: HandoffChat, conversation: Conversation
    ) -> None:
        now = self._clock()
        if await store.change_chat(
            session,
            chat.id,
            now,
            HandoffChat.status.in_(TAKEABLE),
            status=ChatStatus.LEFT,
            closed_at=now,
        ):
            conversation.state = ConversationState.BOT
            self._after_commit.add(session, self._announce_change)

    async def _tell_queued(
        self,
        session: AsyncSession,
        chat: HandoffChat,
        group: OperatorGroup,
        conversation: Conversation,
        now: datetime,
    ) -> None:
        """The chat joined the queue: hold the conversation and tell the place and the wait."""
        conversation.state = ConversationState.HANDOFF
        view = await store.queue_view(session, group.code, now, self.config.default_handling_s)
        place, wait_s = view.standing(chat)
        chat.notified_position, chat.notified_wait_s, chat.notified_at = place, wait_s, now
        await self._tell(session, chat, notices.queued(group.title, place, wait_s), "queued")
        self._after_commit.add(
            session,
            partial(self._pause, conversation.id),
            self._announce_change,
            self._wake_worker,
        )

    async def _tell_standing(
        self,
        session: AsyncSession,
        chat: HandoffChat,
        conversation: Conversation,
        now: datetime,
    ) -> None:
        """A second request while a chat is open: where it stands (a deferred one may queue now)."""
        group = await session.get(OperatorGroup, chat.group_code)
        reopened = (
            chat.status == ChatStatus.DEFERRED
            and group is not None
            and is_open(group, now)
            and await store.change_chat(
                session,
                chat.id,
                now,
                HandoffChat.status == ChatStatus.DEFERRED,
                status=ChatStatus.QUEUED,
            )
        )
        if reopened and group is not None:
            chat = await self._chat(session, chat.id, refresh=True)
            await self._tell_queued(session, chat, group, conversation, now)
            return
        await self._touch(session, chat)
        if chat.status == ChatStatus.QUEUED and group is not None:
            view = await store.queue_view(session, group.code, now, self.config.default_handling_s)
            message = notices.still_queued(*view.standing(chat))
        elif chat.status == ChatStatus.DEFERRED:
            opening = next_opening(group, now) if group is not None else None
            message = notices.still_deferred(chat.number, opening, now)
        else:
            message = notices.plain("handoff_still_assigned")
        await self._tell(session, chat, message, "standing")

    async def _tell(
        self, session: AsyncSession, chat: HandoffChat, message: OutboundMessage, purpose: str
    ) -> None:
        """Queue a message to the citizen; the key makes a retried transaction send it once."""
        await self._outbox.enqueue(
            session,
            conversation_id=chat.conversation_id,
            channel=chat.channel,
            chat_id=chat.chat_id,
            message=message,
            dedupe_key=f"handoff:{chat.id}:{purpose}:{uuid.uuid4().hex[:12]}",
        )

    async def _chat(
        self, session: AsyncSession, chat_id: int, *, refresh: bool = False
    ) -> HandoffChat:
        chat = await session.get(HandoffChat, chat_id, populate_existing=refresh)
        if chat is None:
            raise ChatNotFound("no such chat")
        return chat

    async def _check_group(self, session: AsyncSession, operator: Operator, group: str) -> None:
        if not operator.active:
            raise NotAllowed("operator is not active")
        if operator.role in store.STAFF_ROLES:
            return
        member = await session.get(OperatorMembership, (operator.id, group))
        if member is None:
            raise NotAllowed("not the operator's group")

    async def _touch(self, session: AsyncSession, chat: HandoffChat) -> None:
        """Bump version/updated_at so live views notice (in SQL: concurrent bumps all count)."""
        await store.change_chat(session, chat.id, self._clock())

    def _audit(
        self,
        session: AsyncSession,
        operator: Operator,
        action: str,
        chat_id: int | None,
        detail: dict[str, Any] | None,
    ) -> None:
        session.add(
            AuditEntry(
                operator_id=operator.id,
                action=action,
                chat_id=chat_id,
                detail=detail,
                created_at=self._clock(),
            )
        )

    async def _pause(self, conversation_id: str) -> None:
        """Best effort: the bot ignores a paused conversation even if the app's state were lost."""
        try:
            await self._rasa.append_events(conversation_id, [{"event": "pause"}])
        except RasaUnavailable as exc:
            log.warning("rasa tracker not paused", extra={"reason": str(exc)})

    async def _announce_change(self) -> None:
        if self._announce is not None:
            await self._announce()

    async def _wake_worker(self) -> None:
        self._wake.set()
