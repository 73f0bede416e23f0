"""A subscribed chat is told about a status change once, in the channel it uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.store.models import Appeal, AppealStatus, Citizen
from actions.store.notifications import change_status
from actions.store.queries import subscribe
from bot.metrics import Metrics
from bot.notifications import StatusNotifier
from bot.outbox import Outbox
from bot.storage import session_scope
from tests.bot.test_inbox_outbox import RecordingSender

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


async def _appeal_with_subscriber(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with session_scope(sessions) as session:
        citizen = Citizen(full_name="Тестов Тест", phone="+79990009999")
        session.add(citizen)
        await session.flush()
        appeal = Appeal(
            number="5550001111",
            citizen_id=citizen.id,
            service_code="tax",
            agency="ФНС России",
            submitted_at=NOW - timedelta(days=3),
            status=AppealStatus.IN_PROGRESS.value,
            deadline_at=NOW + timedelta(days=4),
        )
        session.add(appeal)
        await session.flush()
        assert await subscribe(session, appeal, "webchat:chat-1", NOW)


async def test_status_change_reaches_the_subscribed_chat_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _appeal_with_subscriber(sessions)
    sender = RecordingSender()
    outbox = Outbox(sessions, Metrics(), max_attempts=3, backoff_max_s=0, poll_interval_s=0.1)
    outbox.register(sender)
    notifier = StatusNotifier(sessions, outbox, poll_interval_s=0.1)

    assert await notifier.relay_once() == 0  # nothing changed yet
    async with session_scope(sessions) as session:
        told = await change_status(
            session, "5550001111", AppealStatus.APPROVED, at=NOW, comment="Решение направлено"
        )
    assert told == 1
    assert await notifier.relay_once() == 1
    assert await notifier.relay_once() == 0
    await outbox.deliver_due()
    assert len(sender.sent) == 1
    chat, text = sender.sent[0]
    assert chat == "chat-1"
    assert text is not None
    assert "5550001111" in text
    assert "Одобрено" in text
    assert "Решение направлено" in text
