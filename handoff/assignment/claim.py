"""Claiming a waiting chat for an operator: the one place a chat becomes assigned.

An operator taking a chat, a transfer's target and the auto-assigner compete for the same rows;
a conditional UPDATE decides, and whoever changes nothing has lost the race.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Conversation, ConversationState
from handoff.assignment.store import assigned_count
from handoff.chat import ChatKeeper, change_chat
from handoff.effects import Effect
from handoff.models import TAKEABLE_STATUSES, ChatStatus, HandoffChat, Operator
from handoff.queue import notices


async def claim(
    keeper: ChatKeeper,
    session: AsyncSession,
    chat_id: int,
    operator_id: int,
    *,
    limit: int | None = None,
) -> bool:
    """The conditional UPDATE that decides a race: True when this caller got the chat."""
    if limit is not None:
        # lock the operator's row (PostgreSQL) so two instances cannot both fill the last slot
        await session.execute(
            select(Operator.id).where(Operator.id == operator_id).with_for_update()
        )
        if await assigned_count(session, operator_id) >= limit:
            return False
    now = keeper.clock()
    return await change_chat(
        session,
        chat_id,
        now,
        HandoffChat.status.in_(TAKEABLE_STATUSES),
        status=ChatStatus.ASSIGNED,
        operator_id=operator_id,
        assigned_at=now,
    )


async def hand_over(
    keeper: ChatKeeper,
    session: AsyncSession,
    chat_id: int,
    operator: Operator,
    previous: str,
    action: str,
) -> HandoffChat:
    """After winning a chat: the conversation is held, the citizen told, the audit written."""
    chat = await keeper.chat(session, chat_id, refresh=True)
    conversation = await session.get(Conversation, chat.conversation_id)
    if conversation is not None:
        conversation.state = ConversationState.HANDOFF
    await keeper.tell(session, chat, notices.plain("handoff_assigned"), "assigned")
    keeper.audit(session, operator, action, chat.id, None)
    effects: list[Effect] = [keeper.announce_change]
    if previous == ChatStatus.DEFERRED:  # a queued chat's tracker is paused already
        effects.append(partial(keeper.pause, chat.conversation_id))
    keeper.after_commit.add(session, *effects)
    return chat
