"""The operator's desk: take a waiting chat, reply, transfer, close, and go online or away.

The console API calls these inside the request's transaction. Competing writers (two operators,
two instances, the auto-assigner) are settled by conditional UPDATEs on the chat row; whoever
changes nothing gets ChatConflict.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.inbox import Inbox, store_system_item
from bot.messages import InboundKind, InboundMessage, OutboundMessage
from bot.models import Conversation, ConversationState, TranscriptEntry
from bot.texts import text
from handoff.assignment.claim import claim, hand_over
from handoff.assignment.store import assigned_count, operator_groups
from handoff.chat import ChatKeeper, change_chat
from handoff.errors import ChatConflict, ChatNotFound, NotAllowed
from handoff.models import (
    HOLDING_STATUSES,
    TAKEABLE_STATUSES,
    ChatStatus,
    HandoffChat,
    Operator,
    OperatorGroup,
    Presence,
)
from handoff.operators.permissions import may_act_on, serves_group
from handoff.queue import notices

HANDOFF_CLOSED_PAYLOAD = "/handoff_closed"


class OperatorDesk:
    """What an operator does with chats; every refusal is a HandoffError the API maps."""

    def __init__(self, keeper: ChatKeeper, inbox: Inbox) -> None:
        self._keeper = keeper
        self._inbox = inbox

    async def take(self, session: AsyncSession, operator: Operator, chat_id: int) -> HandoffChat:
        """Assign a waiting (queued or deferred) chat; exactly one of competing takers wins."""
        chat = await self._keeper.chat(session, chat_id)
        if not await serves_group(session, operator, chat.group_code):
            raise NotAllowed("not the operator's group")
        previous = chat.status
        won = previous in TAKEABLE_STATUSES and await claim(
            self._keeper, session, chat.id, operator.id
        )
        if not won:
            raise ChatConflict("the chat is no longer waiting")
        return await hand_over(self._keeper, session, chat.id, operator, previous, "take")

    async def take_next(self, session: AsyncSession, operator: Operator) -> HandoffChat | None:
        """The oldest waiting chat of the operator's groups (queued before deferred), if any."""
        if await assigned_count(session, operator.id) >= operator.max_chats:
            return None
        groups = await operator_groups(session, operator)
        for status in TAKEABLE_STATUSES:
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
        keeper = self._keeper
        body = text.strip()
        if not body:
            raise ValueError("empty reply")
        chat = await keeper.chat(session, chat_id)
        if chat.status != ChatStatus.ASSIGNED:
            raise ChatConflict("the chat is not assigned")
        if chat.operator_id != operator.id:
            raise NotAllowed("not your chat")
        if chat.first_response_at is None:
            chat.first_response_at = keeper.clock()
        await keeper.touch(session, chat)
        item = await keeper.outbox.enqueue(
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
        keeper.audit(session, operator, "reply", chat.id, {"chars": len(body)})
        keeper.after_commit.add(session, keeper.announce_change)
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
        keeper = self._keeper
        if (group_code is None) == (operator_id is None):
            raise ValueError("transfer to exactly one of a group or an operator")
        chat = await keeper.chat(session, chat_id)
        if chat.status not in HOLDING_STATUSES:
            raise ChatConflict("the chat is not waiting or assigned")
        if not may_act_on(operator, chat):
            raise NotAllowed("not your chat")
        now = keeper.clock()
        condition = (HandoffChat.version == chat.version, HandoffChat.status.in_(HOLDING_STATUSES))
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
        if not await change_chat(session, chat.id, now, *condition, **values):
            raise ChatConflict("the chat changed meanwhile")
        chat = await keeper.chat(session, chat.id, refresh=True)
        session.add(
            TranscriptEntry(
                conversation_id=chat.conversation_id, author="system", text=line.strip()
            )
        )
        await keeper.tell(session, chat, notice, "transfer")
        detail = {"to_group": group_code, "to_operator": operator_id, "note": note}
        keeper.audit(session, operator, "transfer", chat.id, detail)
        keeper.after_commit.add(session, keeper.announce_change, keeper.wake_assigner)
        return chat

    async def close(
        self, session: AsyncSession, operator: Operator, chat_id: int, resolution: str
    ) -> HandoffChat:
        """Close with a resolution code and give the conversation back to the bot (rating next)."""
        keeper = self._keeper
        if not resolution or len(resolution) > 40:
            raise ValueError("resolution must be 1–40 characters")
        chat = await keeper.chat(session, chat_id)
        if chat.status != ChatStatus.ASSIGNED:
            raise ChatConflict("the chat is not assigned")
        if not may_act_on(operator, chat):
            raise NotAllowed("not your chat")
        now = keeper.clock()
        closed = await change_chat(
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
        chat = await keeper.chat(session, chat.id, refresh=True)
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
        keeper.audit(session, operator, "close", chat.id, {"resolution": resolution})
        keeper.after_commit.add(session, self._inbox.wake, keeper.announce_change)
        return chat

    async def set_presence(self, session: AsyncSession, operator: Operator, presence: str) -> None:
        """Online operators get chats auto-assigned; away ones keep what they hold.

        Going offline (or logging out) puts the operator's chats back at the head of their
        queues (they keep `queued_at`), so no citizen waits on someone who has left.
        """
        keeper = self._keeper
        state = Presence(presence)
        now = keeper.clock()
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
        keeper.audit(session, operator, "presence", None, detail)
        keeper.after_commit.add(session, keeper.announce_change, keeper.wake_assigner)

    async def _requeue_held(self, session: AsyncSession, operator_id: int) -> int:
        held = list(
            await session.scalars(
                select(HandoffChat).where(
                    HandoffChat.operator_id == operator_id,
                    HandoffChat.status == ChatStatus.ASSIGNED,
                )
            )
        )
        now = self._keeper.clock()
        for chat in held:
            if await change_chat(
                session,
                chat.id,
                now,
                HandoffChat.status == ChatStatus.ASSIGNED,
                status=ChatStatus.QUEUED,
                operator_id=None,
                assigned_at=None,
            ):
                notice = notices.plain("handoff_operator_changed")
                await self._keeper.tell(session, chat, notice, "away")
        return len(held)
