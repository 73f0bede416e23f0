"""Inbox idempotency and outbox delivery on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Delivery, DeliveryFailed, RetryLater
from bot.inbox import Inbox
from bot.messages import InboundMessage, OutboundMessage
from bot.metrics import Metrics
from bot.models import InboxItem, ItemStatus, OutboxItem, TranscriptEntry
from bot.outbox import Outbox
from bot.storage import session_scope
from bot.transcript import history, latest
from tests.support import seed_replies


def _inbound(external_id: str, text: str = "привет") -> InboundMessage:
    return InboundMessage(
        channel="webchat", chat_id="chat-1", user_id="chat-1", external_id=external_id, text=text
    )


class RecordingSender:
    """A channel that records deliveries and can be told to fail."""

    channel = "webchat"

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.sent: list[tuple[str, str | None]] = []
        self.failures = failures or []

    async def send(self, chat_id: str, message: OutboundMessage, delivery: Delivery) -> None:
        await asyncio.sleep(0)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, message.text))


def _outbox(sessions: async_sessionmaker[AsyncSession], sender: RecordingSender) -> Outbox:
    outbox = Outbox(sessions, Metrics(), max_attempts=3, backoff_max_s=0.0, poll_interval_s=0.1)
    outbox.register(sender)
    return outbox


async def test_same_message_delivered_twice_is_stored_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    assert await inbox.accept(_inbound("m1"))
    assert not await inbox.accept(_inbound("m1"))
    results = await asyncio.gather(*(inbox.accept(_inbound("m2")) for _ in range(5)))
    assert results.count(True) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxItem)) == 2
        lines = await session.scalar(select(func.count()).select_from(TranscriptEntry))
        assert lines == 2


async def test_two_dispatchers_deliver_each_reply_exactly_once_in_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sender = RecordingSender()
    first, second = _outbox(sessions, sender), _outbox(sessions, sender)
    # the same reply enqueued again by a retried turn is not stored twice
    await seed_replies(first, sessions, "webchat", "chat-1", 5, twice=True)
    await asyncio.gather(first.deliver_due(), second.deliver_due())
    await first.deliver_due()
    assert [text for _, text in sender.sent] == [f"ответ {i}" for i in range(5)]


async def test_temporary_failures_are_retried_and_permanent_ones_recorded(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sender = RecordingSender([RetryLater("429", after_s=0.0), DeliveryFailed("blocked")])
    outbox = _outbox(sessions, sender)
    await seed_replies(outbox, sessions, "webchat", "chat-1", 2)
    for _ in range(3):
        await outbox.deliver_due()
    async with sessions() as session:
        items = list(await session.scalars(select(OutboxItem).order_by(OutboxItem.id)))
    assert [item.status for item in items] == [ItemStatus.FAILED, ItemStatus.DONE]
    assert items[0].last_error == "blocked"
    assert sender.sent == [("chat-1", "ответ 1")]


async def test_latest_transcript_lines_are_the_newest_oldest_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    for n in range(5):
        await inbox.accept(_inbound(f"t{n}"))
    async with sessions() as session:
        every = [entry.id for entry in await history(session, "webchat:chat-1")]
        newest = [entry.id for entry in await latest(session, "webchat:chat-1", 3)]
    assert len(every) == 5
    assert newest == every[-3:]


async def _sent_count(sender: RecordingSender, count: int) -> list[str | None]:
    for _ in range(500):
        if len(sender.sent) >= count:
            break
        await asyncio.sleep(0.02)
    return [text for _, text in sender.sent]


async def test_replies_claimed_with_their_turn_keep_order_through_a_retry(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Replies stored already claimed (the running dispatcher's fast path): when the first must
    wait (429), the others of its turn and the next turn's reply still arrive after it, in order,
    each once."""
    sender = RecordingSender([RetryLater("429", after_s=0.0)])
    outbox = _outbox(sessions, sender)
    running = asyncio.create_task(outbox.run_forever())
    await asyncio.sleep(0)
    try:
        await seed_replies(outbox, sessions, "webchat", "chat-1", 3)
        async with session_scope(sessions) as session:  # the next turn, while 0–2 are pending
            await outbox.enqueue(
                session,
                conversation_id="webchat:chat-1",
                channel="webchat",
                chat_id="chat-1",
                message=OutboundMessage(text="ответ 3"),
                dedupe_key="k3",
            )
        assert await _sent_count(sender, 4) == [f"ответ {i}" for i in range(4)]
    finally:
        await outbox.shutdown(5.0)
        await running
    async with sessions() as session:
        statuses = list(await session.scalars(select(OutboxItem.status).order_by(OutboxItem.id)))
    assert statuses == [ItemStatus.DONE] * 4


class GatedSender(RecordingSender):
    """A channel whose every send waits at a gate the test opens: a send in flight on demand."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.gate = asyncio.Event()

    async def send(self, chat_id: str, message: OutboundMessage, delivery: Delivery) -> None:
        self.started.set()
        await self.gate.wait()
        await super().send(chat_id, message, delivery)


async def test_a_draining_instance_finishes_the_send_in_flight_and_hands_the_rest_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """SIGTERM while a chat's replies go out: the reply on the wire is finished, the later ones
    are not claimed by the stopping instance (a send cut off after the channel took it would be
    repeated) but handed back, and another instance sends each exactly once, in order."""
    stopping_sender = GatedSender()
    stopping = _outbox(sessions, stopping_sender)
    await seed_replies(stopping, sessions, "webchat", "chat-1", 3)
    running = asyncio.create_task(stopping.run_forever())
    await asyncio.wait_for(stopping_sender.started.wait(), 10)
    drained = asyncio.create_task(stopping.shutdown(5.0))
    await asyncio.sleep(0.05)
    stopping_sender.gate.set()
    await drained
    await running
    assert [text for _, text in stopping_sender.sent] == ["ответ 0"]
    async with sessions() as session:
        statuses = list(await session.scalars(select(OutboxItem.status).order_by(OutboxItem.id)))
    assert statuses == [ItemStatus.DONE, ItemStatus.PENDING, ItemStatus.PENDING]

    other_sender = RecordingSender()
    other = _outbox(sessions, other_sender)
    assert await other.deliver_due() == 2
    assert [text for _, text in other_sender.sent] == ["ответ 1", "ответ 2"]
