"""The handoff service on SQLite and PostgreSQL: what the citizen is told and what operators get."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import InboundMessage
from bot.models import Conversation, ConversationState, InboxItem, TranscriptEntry
from bot.storage import create_engine, create_session_factory, session_scope
from handoff.errors import ChatConflict, NotAllowed
from handoff.models import AuditEntry, ChatStatus, HandoffChat, Operator, Presence, Rating, Role
from handoff.service import HandoffService
from tests.handoff.conftest import (
    LATE_EVENING,
    Parts,
    add_operator,
    request_operator,
    sent,
)


async def _chats(sessions: async_sessionmaker[AsyncSession]) -> list[HandoffChat]:
    async with sessions() as session:
        return list(await session.scalars(select(HandoffChat).order_by(HandoffChat.id)))


async def _state(sessions: async_sessionmaker[AsyncSession], conversation: str) -> str:
    async with sessions() as session:
        row = await session.get(Conversation, conversation)
        assert row is not None
        return row.state


async def _take(parts: Parts, operator: Operator, chat_id: int) -> HandoffChat:
    async with session_scope(parts.sessions) as session:
        return await parts.service.desk.take(session, operator, chat_id)


async def test_request_queues_with_place_wait_and_a_leave_button(parts: Parts) -> None:
    conversation = await request_operator(parts, "1")
    [message] = await sent(parts.sessions, conversation)
    text = message.message["text"]
    assert "«Доступ и учётная запись»" in text
    assert "место в очереди: 1" in text
    assert "около 3 мин" in text  # nobody online, no history: 180 s
    assert message.message["buttons"] == [{"title": "Выйти из очереди", "payload": "/leave_queue"}]
    [chat] = await _chats(parts.sessions)
    assert chat.status == ChatStatus.QUEUED
    assert chat.number == f"ОП-{chat.id:06d}"
    assert await _state(parts.sessions, conversation) == ConversationState.HANDOFF
    assert parts.rasa.events(conversation) == ["pause"]
    assert parts.service.changed.generation > 0  # live consoles were woken


async def test_second_citizen_is_second_in_line_and_wait_counts_online_operators(
    parts: Parts,
) -> None:
    await add_operator(parts.sessions, "a", ["access"], presence=Presence.ONLINE, max_chats=0)
    await request_operator(parts, "1")
    second = await request_operator(parts, "2")
    text = (await sent(parts.sessions, second))[0].message["text"]
    assert "место в очереди: 2" in text
    assert "около 6 мин" in text  # ceil(2 / 1 online) × 180 s


async def test_second_request_says_where_it_stands_instead_of_queueing_twice(
    parts: Parts,
) -> None:
    conversation = await request_operator(parts, "1")
    await request_operator(parts, "1", n=1)
    assert len(await _chats(parts.sessions)) == 1
    _, second = await sent(parts.sessions, conversation)
    assert "уже в очереди" in second.message["text"]
    assert "место: 1" in second.message["text"]


async def test_out_of_hours_request_is_deferred_with_number_hours_and_next_opening(
    parts: Parts,
) -> None:
    parts.clock.now = LATE_EVENING  # 22:30 in Moscow
    conversation = await request_operator(parts, "1", topic="appeals")
    [chat] = await _chats(parts.sessions)
    assert chat.status == ChatStatus.DEFERRED
    assert chat.group_code == "appeals"
    text = (await sent(parts.sessions, conversation))[0].message["text"]
    assert chat.number in text
    assert "завтра с 08:00" in text
    assert "будни 08:00–21:00, выходные 09:00–18:00, праздники 10:00–16:00" in text
    assert await _state(parts.sessions, conversation) == ConversationState.BOT  # bot keeps it
    assert parts.rasa.events(conversation) == []
    await request_operator(parts, "1", n=1)
    assert "уже сохранён" in (await sent(parts.sessions, conversation))[1].message["text"]


async def test_deferred_request_repeated_in_working_hours_joins_the_queue(parts: Parts) -> None:
    parts.clock.now = LATE_EVENING
    conversation = await request_operator(parts, "1")
    parts.clock.advance(11 * 3600)  # 09:30 next morning
    await request_operator(parts, "1", n=1)
    [chat] = await _chats(parts.sessions)
    assert chat.status == ChatStatus.QUEUED
    assert "место в очереди: 1" in (await sent(parts.sessions, conversation))[1].message["text"]
    assert await _state(parts.sessions, conversation) == ConversationState.HANDOFF


async def test_auto_assign_least_loaded_online_operator_within_max_chats(parts: Parts) -> None:
    busy = await add_operator(parts.sessions, "busy", ["access"], presence=Presence.ONLINE)
    idle = await add_operator(
        parts.sessions, "idle", ["access"], presence=Presence.ONLINE, max_chats=1
    )
    away = await add_operator(parts.sessions, "away", ["access"], presence=Presence.AWAY)
    other = await add_operator(parts.sessions, "other", ["appeals"], presence=Presence.ONLINE)
    held = await request_operator(parts, "0")
    await _take(parts, busy, (await _chats(parts.sessions))[0].id)
    for chat in ("1", "2", "3", "4"):
        await request_operator(parts, chat)
    await parts.service.tick()
    owners = {c.conversation_id: c.operator_id for c in await _chats(parts.sessions)}
    assert owners[held] == busy.id
    assert owners["telegram:1"] == idle.id  # 0 chats beats 1
    assert owners["telegram:2"] == busy.id  # idle is full at max_chats=1
    assert owners["telegram:3"] == busy.id
    assert owners["telegram:4"] is None  # busy is full at 3; away and other never get it
    assert away.id not in owners.values()
    assert other.id not in owners.values()
    assert "Оператор подключился" in (await sent(parts.sessions, "telegram:1"))[-1].message["text"]


async def test_operator_coming_online_gets_the_oldest_waiting_chat(parts: Parts) -> None:
    operator = await add_operator(parts.sessions, "a", ["access"])
    await request_operator(parts, "1")
    await request_operator(parts, "2")
    await parts.service.tick()
    assert {c.status for c in await _chats(parts.sessions)} == {ChatStatus.QUEUED}
    async with session_scope(parts.sessions) as session:
        await parts.service.desk.set_presence(session, operator, Presence.ONLINE)
    await parts.service.tick()
    first, second = await _chats(parts.sessions)
    assert (first.operator_id, second.operator_id) == (operator.id, operator.id)


async def test_two_concurrent_takes_exactly_one_wins(parts: Parts) -> None:
    one = await add_operator(parts.sessions, "one", ["access"])
    two = await add_operator(parts.sessions, "two", ["access"])
    await request_operator(parts, "1")
    [chat] = await _chats(parts.sessions)
    outcomes = await asyncio.gather(
        _take(parts, one, chat.id), _take(parts, two, chat.id), return_exceptions=True
    )
    winners = [o for o in outcomes if isinstance(o, HandoffChat)]
    assert len(winners) == 1
    assert sum(isinstance(o, ChatConflict) for o in outcomes) == 1
    [stored] = await _chats(parts.sessions)
    assert stored.operator_id == winners[0].operator_id
    assert stored.status == ChatStatus.ASSIGNED
    async with parts.sessions() as session:
        takes = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "take")
        )
    assert takes == 1


async def test_take_next_and_group_permissions(parts: Parts) -> None:
    outsider = await add_operator(parts.sessions, "out", ["technical"])
    member = await add_operator(parts.sessions, "in", ["access"])
    await request_operator(parts, "1")
    [chat] = await _chats(parts.sessions)
    with pytest.raises(NotAllowed):
        await _take(parts, outsider, chat.id)
    async with session_scope(parts.sessions) as session:
        assert await parts.service.desk.take_next(session, outsider) is None
        taken = await parts.service.desk.take_next(session, member)
    assert taken is not None
    assert taken.id == chat.id
    assert taken.operator_id == member.id


async def test_operator_reply_goes_to_the_outbox_as_the_operator(parts: Parts) -> None:
    operator = await add_operator(parts.sessions, "a", ["access"])
    stranger = await add_operator(parts.sessions, "b", ["access"])
    conversation = await request_operator(parts, "1")
    [chat] = await _chats(parts.sessions)
    await _take(parts, operator, chat.id)
    with pytest.raises(NotAllowed):
        async with session_scope(parts.sessions) as session:
            await parts.service.desk.reply(session, stranger, chat.id, "чужой ответ")
    async with session_scope(parts.sessions) as session:
        entry = await parts.service.desk.reply(session, operator, chat.id, "Здравствуйте, помогу.")
    assert entry.author == "operator"
    last = (await sent(parts.sessions, conversation))[-1]
    assert last.message["text"] == "Здравствуйте, помогу."
    assert last.transcript_id == entry.id
    [stored] = await _chats(parts.sessions)
    assert stored.first_response_at is not None
    assert stored.version > chat.version


async def test_transfer_to_group_requeues_keeping_the_original_queued_at(parts: Parts) -> None:
    operator = await add_operator(parts.sessions, "a", ["access"])
    conversation = await request_operator(parts, "1")
    [chat] = await _chats(parts.sessions)
    await _take(parts, operator, chat.id)
    parts.clock.advance(300)
    async with session_scope(parts.sessions) as session:
        moved = await parts.service.desk.transfer(
            session, operator, chat.id, group_code="technical", note="ошибка 502"
        )
    assert (moved.status, moved.group_code, moved.operator_id) == ("queued", "technical", None)
    assert moved.queued_at == chat.queued_at
    assert "«Технические сбои»" in (await sent(parts.sessions, conversation))[-1].message["text"]
    async with parts.sessions() as session:
        note = await session.scalar(
            select(TranscriptEntry).where(TranscriptEntry.author == "system")
        )
    assert note is not None
    assert "ошибка 502" in (note.text or "")


async def test_close_queues_handoff_closed_once_and_gives_the_chat_back(parts: Parts) -> None:
    operator = await add_operator(parts.sessions, "a", ["access"])
    conversation = await request_operator(parts, "1")
    [chat] = await _chats(parts.sessions)
    await _take(parts, operator, chat.id)
    async with session_scope(parts.sessions) as session:
        closed = await parts.service.desk.close(session, operator, chat.id, "solved")
    assert (closed.status, closed.resolution) == (ChatStatus.CLOSED, "solved")
    with pytest.raises(ChatConflict):
        async with session_scope(parts.sessions) as session:
            await parts.service.desk.close(session, operator, chat.id, "solved")
    assert await _state(parts.sessions, conversation) == ConversationState.BOT
    async with parts.sessions() as session:
        items = list(
            await session.scalars(
                select(InboxItem).where(InboxItem.external_id == f"handoff-closed:{chat.id}")
            )
        )
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    [item] = items
    message = InboundMessage.model_validate(item.message)
    assert (message.payload, message.resume_bot) == ("/handoff_closed", True)
    assert actions == ["take", "close"]
    assert parts.inbox.arrived.is_set()


async def test_rating_is_stored_once_against_the_latest_closed_chat(parts: Parts) -> None:
    operator = await add_operator(parts.sessions, "a", ["access"], role=Role.SUPERVISOR)
    conversation = await request_operator(parts, "1")
    async with session_scope(parts.sessions) as session:
        await parts.service.intake.on_csat(
            session, conversation, {"rating": 5}
        )  # nothing closed yet
    for n in (1, 2):
        chat = (await _chats(parts.sessions))[-1]
        await _take(parts, operator, chat.id)
        async with session_scope(parts.sessions) as session:
            await parts.service.desk.close(session, operator, chat.id, "solved")
        parts.clock.advance(60)
        if n == 1:
            await request_operator(parts, "1", n=1)
    for rating in (4, 2):
        async with session_scope(parts.sessions) as session:
            await parts.service.intake.on_csat(session, conversation, {"rating": rating})
    async with parts.sessions() as session:
        ratings = list(await session.execute(select(Rating.chat_id, Rating.rating)))
    latest = (await _chats(parts.sessions))[-1]
    assert [tuple(r) for r in ratings] == [(latest.id, 4)]
    assert parts.ratings_heard == [(conversation, "telegram", 4)]  # the stored one, once


async def test_leaving_the_queue_is_idempotent_and_gives_the_chat_back(parts: Parts) -> None:
    conversation = await request_operator(parts, "1")
    for _ in range(2):
        async with session_scope(parts.sessions) as session:
            await parts.service.intake.on_leave_queue(session, conversation, {})
    [chat] = await _chats(parts.sessions)
    assert chat.status == ChatStatus.LEFT
    assert await _state(parts.sessions, conversation) == ConversationState.BOT
    await request_operator(parts, "1", n=1)  # a new request queues afresh
    assert [c.status for c in await _chats(parts.sessions)] == ["left", "queued"]


async def test_queue_progress_is_told_when_the_place_improves_by_two(parts: Parts) -> None:
    operator = await add_operator(parts.sessions, "a", ["access"])
    for citizen in ("1", "2", "3"):
        await request_operator(parts, citizen)
    chats = await _chats(parts.sessions)
    parts.clock.advance(31)
    await parts.service.tick()
    assert len(await sent(parts.sessions, "telegram:3")) == 1  # nothing changed
    for chat in chats[:2]:
        await _take(parts, operator, chat.id)
    await parts.service.tick()
    update = (await sent(parts.sessions, "telegram:3"))[-1].message["text"]
    assert "Очередь движется: ваше место — 1" in update
    await parts.service.tick()
    assert len(await sent(parts.sessions, "telegram:3")) == 2  # told once


async def test_two_instances_taking_one_chat_exactly_one_wins(
    parts: Parts, database_url: str
) -> None:
    """Two app instances: their own engines and services on one database."""
    one = await add_operator(parts.sessions, "one", ["access"])
    two = await add_operator(parts.sessions, "two", ["access"])
    await request_operator(parts, "1")
    [chat] = await _chats(parts.sessions)
    other_engine = create_engine(database_url)
    try:
        other_sessions = create_session_factory(other_engine)
        other = HandoffService(
            other_sessions, parts.inbox, parts.outbox, parts.rasa_client, parts.service.config
        )

        async def take_on(
            service: HandoffService, sessions: async_sessionmaker[AsyncSession], op: Operator
        ) -> HandoffChat:
            async with session_scope(sessions) as session:
                return await service.desk.take(session, op, chat.id)

        outcomes = await asyncio.gather(
            take_on(parts.service, parts.sessions, one),
            take_on(other, other_sessions, two),
            return_exceptions=True,
        )
    finally:
        await other_engine.dispose()
    assert sorted(type(o).__name__ for o in outcomes) == ["ChatConflict", "HandoffChat"]


async def test_announce_runs_after_commit_and_never_for_a_rolled_back_change(
    parts: Parts,
) -> None:
    announced: list[str] = []

    async def announce() -> None:
        announced.append("handoff")

    service = HandoffService(
        parts.sessions,
        parts.inbox,
        parts.outbox,
        parts.rasa_client,
        parts.service.config,
        clock=parts.clock,
        announce=announce,
    )
    operator = await add_operator(parts.sessions, "a", ["access"])
    await request_operator(parts, "1")
    [chat] = await _chats(parts.sessions)

    async def take_then_fail() -> None:
        async with session_scope(parts.sessions) as session:
            await service.desk.take(session, operator, chat.id)
            raise RuntimeError("the API failed after the take")

    with pytest.raises(RuntimeError):
        await take_then_fail()
    await service.settle()
    assert announced == []
    assert (await _chats(parts.sessions))[0].status == ChatStatus.QUEUED
    async with session_scope(parts.sessions) as session:
        await service.desk.take(session, operator, chat.id)
        assert announced == []  # not before the commit
    await service.settle()
    assert announced == ["handoff"]


async def test_operator_going_offline_puts_held_chats_back_in_line(parts: Parts) -> None:
    leaving = await add_operator(parts.sessions, "a", ["access"])
    conversation = await request_operator(parts, "1")
    [chat] = await _chats(parts.sessions)
    await _take(parts, leaving, chat.id)
    async with session_scope(parts.sessions) as session:
        await parts.service.desk.set_presence(session, leaving, Presence.OFFLINE)
    [stored] = await _chats(parts.sessions)
    assert (stored.status, stored.operator_id) == (ChatStatus.QUEUED, None)
    assert stored.queued_at == chat.queued_at
    assert "другой оператор" in (await sent(parts.sessions, conversation))[-1].message["text"]
    assert await _state(parts.sessions, conversation) == ConversationState.HANDOFF


async def test_wait_estimate_follows_recent_handling_time(parts: Parts) -> None:
    operator = await add_operator(parts.sessions, "a", ["access"])
    await request_operator(parts, "1")
    [chat] = await _chats(parts.sessions)
    await _take(parts, operator, chat.id)
    parts.clock.advance(100)  # handled in 100 s
    async with session_scope(parts.sessions) as session:
        await parts.service.desk.close(session, operator, chat.id, "solved")
    conversation = await request_operator(parts, "2")
    assert "около 2 мин" in (await sent(parts.sessions, conversation))[0].message["text"]


async def test_an_operator_whose_console_vanished_gets_no_new_chats(parts: Parts) -> None:
    """Closing the tab leaves presence `online`; a minute without a console heartbeat → away."""
    gone = await add_operator(parts.sessions, "gone", ["access"])
    here = await add_operator(parts.sessions, "here", ["access"])
    async with session_scope(parts.sessions) as session:
        await parts.service.desk.set_presence(session, gone, Presence.ONLINE)
        await parts.service.desk.set_presence(session, here, Presence.ONLINE)
    parts.clock.advance(90)
    async with session_scope(parts.sessions) as session:  # only `here` still has a console open
        row = await session.get(Operator, here.id)
        assert row is not None
        row.last_seen_at = parts.clock.now
    await request_operator(parts, "1")
    await parts.service.tick()
    [chat] = await _chats(parts.sessions)
    assert chat.operator_id == here.id
    async with parts.sessions() as session:
        assert (await session.get(Operator, gone.id)).presence == Presence.AWAY  # type: ignore[union-attr]
        assert (await session.get(Operator, here.id)).presence == Presence.ONLINE  # type: ignore[union-attr]
