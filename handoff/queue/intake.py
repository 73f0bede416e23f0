"""The citizen's side of handoff: a request joins the queue, the citizen is told where it stands.

The router calls these inside its transaction: the custom payloads Rasa returns (`handoff`,
`csat`, `leave_queue`) and every message of a conversation the handoff module holds. The
assigner calls `update_positions` on each tick.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import InboundMessage
from bot.models import Conversation, ConversationState
from bot.storage import session_scope
from handoff.chat import ChatKeeper, change_chat, chat_number
from handoff.models import (
    HOLDING_STATUSES,
    TAKEABLE_STATUSES,
    ChatStatus,
    HandoffChat,
    OperatorGroup,
    Rating,
)
from handoff.queue import notices, store
from handoff.queue.rules import (
    Notified,
    group_for_topic,
    is_open,
    next_opening,
    should_notify,
    week_hours,
)

log = logging.getLogger(__name__)
# hears a citizen's rating of a chat: (session, conversation id, channel, rating 1–5, now)
RatingHook = Callable[[AsyncSession, str, str, int, datetime], Awaitable[None]]


class CitizenIntake:
    """Queues chats for the topic's group (or defers them out of hours) and keeps citizens told."""

    def __init__(self, keeper: ChatKeeper, on_rating: RatingHook | None = None) -> None:
        """`on_rating` hears every rating in its transaction (the review queue takes low ones)."""
        self._keeper = keeper
        self._on_rating = on_rating

    async def on_handoff(
        self, session: AsyncSession, conversation_id: str, payload: dict[str, Any]
    ) -> None:
        """Queue the chat for the topic's group, or defer it out of hours; never queue twice."""
        keeper = self._keeper
        conversation = await session.get(Conversation, conversation_id)
        groups = await store.active_groups(session)
        if conversation is None or not groups:
            log.error("handoff requested without a conversation or operator groups")
            return
        now = keeper.clock()
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
            await keeper.tell(
                session,
                chat,
                notices.deferred(group.title, chat.number, week_hours(group), opening, now),
                "deferred",
            )
            keeper.after_commit.add(session, keeper.announce_change)

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
        session.add(Rating(chat_id=chat.id, rating=rating, created_at=self._keeper.clock()))
        if self._on_rating is not None:
            await self._on_rating(
                session, conversation_id, chat.channel, rating, self._keeper.clock()
            )
        await self._keeper.touch(session, chat)
        self._keeper.after_commit.add(session, self._keeper.announce_change)

    async def on_leave_queue(
        self, session: AsyncSession, conversation_id: str, payload: dict[str, Any]
    ) -> None:
        """Take the conversation's queued or deferred chat out of the queue; idempotent."""
        chat = await store.open_chat(session, conversation_id, TAKEABLE_STATUSES)
        conversation = await session.get(Conversation, conversation_id)
        if chat is None or conversation is None:
            return
        await self._leave(session, chat, conversation)

    async def on_citizen_message(self, session: AsyncSession, message: InboundMessage) -> bool:
        """A message of a held conversation: True = consumed (the operator reads it)."""
        keeper = self._keeper
        conversation = await session.get(Conversation, message.conversation_id)
        if conversation is None:
            return False
        chat = await store.open_chat(session, message.conversation_id, HOLDING_STATUSES)
        if chat is None:
            conversation.state = ConversationState.BOT  # nothing holds it: back to the bot
            return False
        if message.payload == notices.LEAVE_QUEUE_PAYLOAD:
            if chat.status == ChatStatus.QUEUED:
                await self._leave(session, chat, conversation)
                return False  # Rasa answers utter_left_queue
            await keeper.touch(session, chat)
            await keeper.tell(session, chat, notices.plain("handoff_leave_when_assigned"), "stay")
        else:
            # the message is in the transcript already; live views re-read the chat
            await keeper.touch(session, chat)
        keeper.after_commit.add(session, keeper.announce_change)
        return True

    async def update_positions(self, group_code: str) -> None:
        """Tell each queued citizen of the group their new place and wait, when it moved enough."""
        keeper = self._keeper
        now = keeper.clock()
        async with session_scope(keeper.sessions) as session:
            line = await store.group_line(
                session, group_code, now, keeper.config.default_handling_s
            )
            for chat in line.chats:
                place, wait_s = line.standing(chat)
                last = Notified(chat.notified_position, chat.notified_wait_s, chat.notified_at)
                if not should_notify(last, place, wait_s, now):
                    continue
                if await change_chat(
                    session,
                    chat.id,
                    now,
                    HandoffChat.version == chat.version,  # another instance told it already
                    notified_position=place,
                    notified_wait_s=wait_s,
                    notified_at=now,
                ):
                    await keeper.tell(session, chat, notices.queue_update(place, wait_s), "queue")
                    keeper.after_commit.add(session, keeper.announce_change)

    async def _leave(
        self, session: AsyncSession, chat: HandoffChat, conversation: Conversation
    ) -> None:
        now = self._keeper.clock()
        if await change_chat(
            session,
            chat.id,
            now,
            HandoffChat.status.in_(TAKEABLE_STATUSES),
            status=ChatStatus.LEFT,
            closed_at=now,
        ):
            conversation.state = ConversationState.BOT
            self._keeper.after_commit.add(session, self._keeper.announce_change)

    async def _tell_queued(
        self,
        session: AsyncSession,
        chat: HandoffChat,
        group: OperatorGroup,
        conversation: Conversation,
        now: datetime,
    ) -> None:
        """The chat joined the queue: hold the conversation and tell the place and the wait."""
        keeper = self._keeper
        conversation.state = ConversationState.HANDOFF
        line = await store.group_line(session, group.code, now, keeper.config.default_handling_s)
        place, wait_s = line.standing(chat)
        chat.notified_position, chat.notified_wait_s, chat.notified_at = place, wait_s, now
        await keeper.tell(session, chat, notices.queued(group.title, place, wait_s), "queued")
        keeper.after_commit.add(
            session,
            partial(keeper.pause, conversation.id),
            keeper.announce_change,
            keeper.wake_assigner,
        )

    async def _tell_standing(
        self,
        session: AsyncSession,
        chat: HandoffChat,
        conversation: Conversation,
        now: datetime,
    ) -> None:
        """A second request while a chat is open: where it stands (a deferred one may queue now)."""
        keeper = self._keeper
        group = await session.get(OperatorGroup, chat.group_code)
        reopened = (
            chat.status == ChatStatus.DEFERRED
            and group is not None
            and is_open(group, now)
            and await change_chat(
                session,
                chat.id,
                now,
                HandoffChat.status == ChatStatus.DEFERRED,
                status=ChatStatus.QUEUED,
            )
        )
        if reopened and group is not None:
            chat = await keeper.chat(session, chat.id, refresh=True)
            await self._tell_queued(session, chat, group, conversation, now)
            return
        await keeper.touch(session, chat)
        if chat.status == ChatStatus.QUEUED and group is not None:
            line = await store.group_line(
                session, group.code, now, keeper.config.default_handling_s
            )
            message = notices.still_queued(*line.standing(chat))
        elif chat.status == ChatStatus.DEFERRED:
            opening = next_opening(group, now) if group is not None else None
            message = notices.still_deferred(chat.number, opening, now)
        else:
            message = notices.plain("handoff_still_assigned")
        await keeper.tell(session, chat, message, "standing")
