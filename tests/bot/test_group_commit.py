"""Group commit: what arrives together commits together, nothing returns before its commit, and
one failing item fails only its own caller (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.inbox import Inbox, ensure_conversation
from bot.messages import InboundMessage
from bot.models import CONVERSATIONS, InboxItem, TranscriptEntry
from bot.storage.group_commit import GroupCommit


def _commits(engine: AsyncEngine) -> list[int]:
    """A list that grows by one on every COMMIT the engine runs."""
    seen: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: seen.append(1))
    return seen


async def _chats(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessions() as session:
        return set(await session.scalars(select(CONVERSATIONS.c.chat_id)))


async def _store(session: AsyncSession, chat: str) -> str:
    await ensure_conversation(session, "webchat", chat)
    return chat


async def test_items_that_arrive_together_share_a_commit_and_each_is_durable_on_return(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    commits = _commits(engine)
    group = GroupCommit(sessions, _store)

    async def submit(chat: str) -> bool:
        await group.run(chat)
        return chat in await _chats(sessions)  # visible to another session when run() returns

    chats = [f"c{n}" for n in range(30)]
    assert await asyncio.gather(*(submit(chat) for chat in chats)) == [True] * 30
    assert await _chats(sessions) == set(chats)
    assert 1 <= len(commits) <= 3  # the first alone, the rest in one or two batches, not 30


async def test_one_failing_item_fails_its_own_caller_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def store_or_fail(session: AsyncSession, chat: str) -> str:
        if chat == "bad":
            raise ValueError("this item cannot be stored")
        return await _store(session, chat)

    group = GroupCommit(sessions, store_or_fail)
    results = await asyncio.gather(
        *(group.run(chat) for chat in ["a", "b", "bad", "c"]), return_exceptions=True
    )
    assert results[:2] == ["a", "b"]
    assert isinstance(results[2], ValueError)
    assert results[3] == "c"
    assert await _chats(sessions) == {"a", "b", "c"}


async def test_a_batch_is_bounded(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    commits = _commits(engine)
    group = GroupCommit(sessions, _store, max_batch=4)
    await asyncio.gather(*(group.run(f"c{n}") for n in range(12)))
    assert len(commits) == 3  # all 12 queued before the first ran: 4 + 4 + 4


async def test_the_inbox_stores_a_burst_of_chats_in_few_commits_and_keeps_each_once(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    inbox = Inbox(sessions)
    commits = _commits(engine)
    messages = [
        InboundMessage(
            channel="telegram", chat_id=str(n), user_id=str(n), external_id=f"u{n}", text="привет"
        )
        for n in range(20)
    ]
    accepted = await asyncio.gather(
        *(inbox.accept(m) for m in messages for _ in range(3))  # each delivered three times
    )
    assert accepted.count(True) == 20
    assert len(commits) <= 3
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxItem)) == 20
        assert await session.scalar(select(func.count()).select_from(TranscriptEntry)) == 20
