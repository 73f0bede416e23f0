"""The retention purge and forget-me on SQLite and PostgreSQL, Rasa's tracker store included."""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from actions.store.models import (
    Appeal,
    AppealSubscription,
    Citizen,
    Consent,
    LookupAttempt,
    MessengerBinding,
    StatusNotification,
    SupportTicket,
)
from bot.models import Conversation, InboxItem, ItemStatus, OutboxItem, TranscriptEntry
from bot.retention.forget import conversation_ref, request_erasure
from bot.retention.job import PurgeLease, RetentionJob
from bot.retention.models import ErasureRequest
from bot.retention.periods import RetentionPeriods
from bot.retention.purge import Purge
from bot.retention.tracker import TrackerStore
from bot.retention.wiring import PURGE_STEPS, DataLifecycle, data_lifecycle
from bot.settings import Settings
from bot.storage import session_scope
from handoff.models import AuditEntry, ChatStatus, HandoffChat, OperatorGroup, Rating
from review.models import ReviewItem
from review.queue import text_key
from tests.support import ROOT
from tests.walk import (
    add_tracker_events,
    database_tables,
    traces_in_tables,
    traces_in_tracker,
    tracker_senders,
    walked_tables,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DEFAULTS = RetentionPeriods(
    transcript_days=90, messages_days=30, tracker_days=90, attachments_days=30, audit_days=365
)
SECRET = "test-session-secret"


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def epoch(days: float) -> float:
    return ago(days).timestamp()


async def add_conversation(session: AsyncSession, cid: str, at: datetime) -> None:
    channel, chat_id = cid.split(":", 1)
    session.add(
        Conversation(id=cid, channel=channel, chat_id=chat_id, created_at=at, last_activity_at=at)
    )
    await session.flush()


async def add_line(
    session: AsyncSession,
    cid: str,
    at: datetime,
    text: str,
    payload: dict[str, object] | None = None,
) -> TranscriptEntry:
    line = TranscriptEntry(
        conversation_id=cid, author="citizen", text=text, payload=payload, created_at=at
    )
    session.add(line)
    await session.flush()
    return line


def inbox(cid: str, key: str, at: datetime, status: ItemStatus, text: str = "") -> InboxItem:
    channel, chat_id = cid.split(":", 1)
    message = {"channel": channel, "chat_id": chat_id, "user_id": chat_id, "text": text}
    return InboxItem(
        conversation_id=cid,
        channel=channel,
        external_id=key,
        message={**message, "external_id": key},
        status=status,
        received_at=at,
        next_attempt_at=at,
    )


def outbox(cid: str, key: str, at: datetime, status: ItemStatus, line_id: int | None) -> OutboxItem:
    channel, chat_id = cid.split(":", 1)
    return OutboxItem(
        conversation_id=cid,
        channel=channel,
        chat_id=chat_id,
        transcript_id=line_id,
        dedupe_key=key,
        message={"text": "ответ"},
        status=status,
        created_at=at,
        next_attempt_at=at,
    )


async def add_handoff_chat(session: AsyncSession, cid: str, at: datetime, number: str) -> int:
    if await session.get(OperatorGroup, "general") is None:
        session.add(OperatorGroup(code="general", title="Общие вопросы"))
        await session.flush()
    channel, chat_id = cid.split(":", 1)
    chat = HandoffChat(
        number=number,
        conversation_id=cid,
        channel=channel,
        chat_id=chat_id,
        group_code="general",
        topic="general",
        reason="requested",
        summary="Последние сообщения: помогите",
        status=ChatStatus.CLOSED,
        queued_at=at,
        closed_at=at,
        updated_at=at,
    )
    session.add(chat)
    await session.flush()
    return chat.id


def review_item(cid: str, text: str, at: datetime) -> ReviewItem:
    return ReviewItem(
        text=text,
        text_key=text_key(text),
        channel="telegram",
        conversation_id=cid,
        reasons=["fallback"],
        created_at=at,
        updated_at=at,
    )


def purge_of(sessions: async_sessionmaker[AsyncSession], database_url: str) -> Purge:
    return Purge(sessions, TrackerStore(database_url), DEFAULTS, PURGE_STEPS)


async def test_purge_removes_each_kind_past_its_period_and_nothing_else(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    old, live = "telegram:111", "telegram:222"
    async with session_scope(sessions) as session:
        await add_conversation(session, old, ago(120))
        line = await add_line(session, old, ago(120), "старая переписка")
        session.add(inbox(old, "o1", ago(120), ItemStatus.DONE))
        session.add(outbox(old, "o1", ago(120), ItemStatus.DONE, line.id))
        await add_conversation(session, live, ago(1))
        await add_line(session, live, ago(100), "давняя строка")
        recent = await add_line(session, live, ago(10), "свежая строка")
        attachment = {"kind": "document", "file_ref": "FILE-1", "name": "паспорт_Иванов.pdf"}
        stale_file = await add_line(session, live, ago(40), "", {"attachment": attachment})
        fresh_file = await add_line(session, live, ago(10), "", {"attachment": attachment})
        session.add(inbox(live, "l1", ago(40), ItemStatus.DONE))
        session.add(inbox(live, "l2", ago(40), ItemStatus.PENDING))  # not yet answered: kept
        session.add(outbox(live, "l1", ago(40), ItemStatus.DONE, recent.id))
        session.add(outbox(live, "l2", ago(5), ItemStatus.FAILED, recent.id))
        chat_id = await add_handoff_chat(session, live, ago(100), "H-1")
        session.add(AuditEntry(action="open", chat_id=chat_id, created_at=ago(400)))
        session.add(AuditEntry(action="open", chat_id=chat_id, created_at=ago(10)))
        session.add(LookupAttempt(sender_id=live, at=ago(40), success=False))
        session.add(LookupAttempt(sender_id=live, at=ago(1), success=False))
        for cid, text, at in ((old, "старый вопрос", ago(120)), (live, "новый вопрос", ago(10))):
            session.add(review_item(cid, text, at))
        for delivered in (ago(40), None):
            session.add(
                StatusNotification(
                    sender_id=live,
                    appeal_number="1234567890",
                    text="статус",
                    created_at=ago(40),
                    delivered_at=delivered,
                )
            )
    await add_tracker_events(
        database_url, old, [("session_started", epoch(120), "{}"), ("user", epoch(120), "{}")]
    )
    await add_tracker_events(
        database_url,
        live,
        [
            ("session_started", epoch(100), "{}"),
            ("user", epoch(100), "{}"),
            ("session_started", epoch(5), "{}"),
            ("user", epoch(5), "{}"),
        ],
    )
    long_session = "telegram:333"  # one session begun long ago, still in use: kept whole
    await add_tracker_events(
        database_url,
        long_session,
        [("session_started", epoch(100), "{}"), ("user", epoch(10), "{}")],
    )

    counts = await purge_of(sessions, database_url).run(NOW)

    assert counts == {
        "attachments": 1,
        "transcript": 2,
        "inbox": 2,
        "outbox": 2,
        "ticket_store": 2,
        "handoff_summaries": 1,
        "audit": 1,
        "handoff_chats": 0,
        "review_items": 1,
        "review_links": 0,
        "conversations": 1,
        "tracker_events": 4,
    }
    async with sessions() as session:
        lines = {line.id: line for line in await session.scalars(select(TranscriptEntry))}
        assert set(lines) == {recent.id, stale_file.id, fresh_file.id}
        assert lines[stale_file.id].payload == {"attachment": {"kind": "document"}}
        assert lines[fresh_file.id].payload == {"attachment": attachment}
        assert [i.external_id for i in await session.scalars(select(InboxItem))] == ["l2"]
        assert [o.dedupe_key for o in await session.scalars(select(OutboxItem))] == ["l2"]
        assert await session.get(Conversation, old) is None
        assert await session.get(Conversation, live) is not None
        chat = await session.get(HandoffChat, chat_id)
        assert chat is not None
        assert chat.summary is None
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 1
        assert await session.scalar(select(func.count()).select_from(LookupAttempt)) == 1
        pending = list(await session.scalars(select(StatusNotification)))
        assert [n.delivered_at for n in pending] == [None]
        assert list(await session.scalars(select(ReviewItem.text))) == ["новый вопрос"]
    assert await tracker_senders(database_url) == {live: 2, long_session: 2}

    again = await purge_of(sessions, database_url).run(NOW)
    assert set(again.values()) == {0}


async def test_purge_without_a_tracker_store_yet_removes_the_rest(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    missing = f"sqlite:///{tmp_path / 'rasa-never-ran.db'}"
    async with session_scope(sessions) as session:
        await add_conversation(session, "webchat:w1", ago(200))
    counts = await Purge(sessions, TrackerStore(missing), DEFAULTS, PURGE_STEPS).run(NOW)
    assert counts["conversations"] == 1
    assert counts["tracker_events"] == 0
    assert not (tmp_path / "rasa-never-ran.db").exists()


async def test_only_one_instance_runs_the_purge_per_interval(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = (PurgeLease(sessions, name, interval_s=3600) for name in ("app-1", "app-2"))
    won = await asyncio.gather(first.claim(NOW), second.claim(NOW))
    assert sorted(won) == [False, True]
    winner = first if won[0] else second
    await winner.done(NOW)
    assert not await first.claim(NOW + timedelta(minutes=59))
    assert not await second.claim(NOW + timedelta(minutes=59))
    assert await second.claim(NOW + timedelta(minutes=61))


def lifecycle_for(sessions: async_sessionmaker[AsyncSession], database_url: str) -> DataLifecycle:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        tracker_store_url=database_url,
        session_secret=SecretStr(SECRET),
    )
    return data_lifecycle(settings, sessions)


async def seed_whole_chat(
    session: AsyncSession, cid: str, citizen: Citizen, appeal: Appeal
) -> None:
    """A chat that left a trace in every table that can hold one."""
    _, chat_id = cid.split(":", 1)
    await add_conversation(session, cid, ago(1))
    line = await add_line(
        session, cid, ago(1), f"секрет {chat_id}", {"attachment": {"kind": "photo"}}
    )
    session.add(inbox(cid, f"in-{chat_id}", ago(1), ItemStatus.DONE, f"секрет {chat_id}"))
    session.add(outbox(cid, f"out-{chat_id}", ago(1), ItemStatus.DONE, line.id))
    session.add(
        MessengerBinding(
            channel="telegram", messenger_user_id=cid, citizen_id=citizen.id, verified_via="t"
        )
    )
    session.add(AppealSubscription(appeal_id=appeal.id, sender_id=cid))
    session.add(Consent(sender_id=cid, channel="telegram", version="v1"))
    session.add(LookupAttempt(sender_id=cid, success=True))
    session.add(StatusNotification(sender_id=cid, appeal_number=appeal.number, text="статус"))
    session.add(SupportTicket(number=f"INC-{chat_id}", kind="incident", sender_id=cid))
    handoff_id = await add_handoff_chat(session, cid, ago(1), f"H-{chat_id}")
    session.add(Rating(chat_id=handoff_id, rating=5))
    session.add(AuditEntry(action="open", chat_id=handoff_id, detail={"line_id": line.id}))
    await session.flush()


async def test_forget_me_leaves_nothing_of_the_chat_in_any_table_but_the_audit_line(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine, database_url: str
) -> None:
    gone, kept = "telegram:5550001", "telegram:5550002"
    async with session_scope(sessions) as session:
        citizen = Citizen(full_name="Иванов Иван Иванович", phone="+79990000001")
        session.add(citizen)
        await session.flush()
        appeal = Appeal(
            number="1234567890",
            citizen_id=citizen.id,
            service_code="tax",
            agency="ФНС",
            submitted_at=ago(3),
            status="in_progress",
            deadline_at=NOW,
        )
        session.add(appeal)
        await session.flush()
        for cid in (gone, kept):
            await seed_whole_chat(session, cid, citizen, appeal)
        await request_erasure(session, gone, "citizen")
    for cid in (gone, kept):
        await add_tracker_events(database_url, cid, [("user", epoch(1), f'"секрет {cid[-7:]}"')])
    assert await traces_in_tables(engine, gone, "5550001", ("секрет 5550001",))

    lifecycle = lifecycle_for(sessions, database_url)
    try:
        assert await lifecycle.eraser.run_due(NOW) == 1
        assert await lifecycle.eraser.run_due(NOW) == 0  # nothing left to do
    finally:
        await lifecycle.tracker.close()

    assert await database_tables(engine) <= walked_tables()
    assert await traces_in_tables(engine, gone, "5550001", ("секрет 5550001",)) == []
    assert await traces_in_tracker(database_url, gone, ("секрет 5550001",)) == 0
    assert await traces_in_tables(engine, kept, "5550002", ("секрет 5550002",))
    assert await traces_in_tracker(database_url, kept) == 1
    async with sessions() as session:
        audit = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    forget = [entry for entry in audit if entry.action == "forget"]
    assert len(forget) == 1
    assert forget[0].detail == {
        "conversation": conversation_ref(SECRET, gone),
        "channel": "telegram",
        "by": "citizen",
    }
    detached = [e for e in audit if e.action == "open" and e.chat_id is None]
    assert [e.detail for e in detached] == [{"conversation": conversation_ref(SECRET, gone)}]


async def test_erasure_waits_for_the_last_reply_and_for_a_running_turn(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    cid = "viber:vb1=="
    async with session_scope(sessions) as session:
        await add_conversation(session, cid, ago(0))
        line = await add_line(session, cid, ago(0), "удалите мои данные")
        session.add(outbox(cid, "bye", ago(0), ItemStatus.PENDING, line.id))
        await request_erasure(session, cid, "citizen")
    lifecycle = lifecycle_for(sessions, database_url)
    try:
        assert await lifecycle.eraser.run_due(NOW) == 0  # the confirmation is not out yet
        async with session_scope(sessions) as session:
            await session.execute(update(OutboxItem).values(status=ItemStatus.DONE))
            await session.execute(
                update(Conversation).values(lease_owner="app-2", lease_until=NOW + timedelta(1))
            )
        assert await lifecycle.eraser.run_due(NOW) == 0  # a turn of the chat holds its lease
        async with session_scope(sessions) as session:
            await session.execute(update(Conversation).values(lease_owner=None, lease_until=None))
        assert await lifecycle.eraser.run_due(NOW) == 1
    finally:
        await lifecycle.tracker.close()
    async with sessions() as session:
        assert await session.get(Conversation, cid) is None


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("retention_transcript_days", 29),
        ("retention_messages_days", 0),
        ("retention_audit_days", -1),
    ],
)
def test_retention_periods_refuse_too_short_ones(field: str, days: int) -> None:
    """Conversation records are kept at least 30 days (DOMAIN); no period is under a day."""
    with pytest.raises(ValueError, match=field):
        Settings.model_validate({field: days})


async def test_the_apps_job_erases_due_chats_and_purges_on_one_instance_only(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    async with session_scope(sessions) as session:
        await add_conversation(session, "webchat:gone", ago(0))
        await request_erasure(session, "webchat:gone", "citizen")
    lifecycle = lifecycle_for(sessions, database_url)
    jobs = [
        RetentionJob(lifecycle.eraser, lifecycle.purge, PurgeLease(sessions, name, 3600), poll_s=1)
        for name in ("app-1", "app-2")
    ]
    try:
        results = await asyncio.gather(*(job.tick() for job in jobs))
    finally:
        await lifecycle.tracker.close()
    assert sorted(result is None for result in results) == [False, True]
    async with sessions() as session:
        assert await session.get(Conversation, "webchat:gone") is None
        assert await session.scalar(select(func.count()).select_from(ErasureRequest)) == 0


def test_the_purge_command_prints_counts_only(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    env = {
        "DATABASE_URL": url,
        "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'no-tracker.db'}",
        "PYTHONPATH": str(ROOT),
        "PATH": "/usr/bin:/bin",
    }
    python = str(ROOT / ".venv/bin/python")
    subprocess.run([python, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
    done = subprocess.run(
        [python, "-m", "bot.retention", "purge"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    counts = json.loads(done.stdout)
    assert set(counts) >= {"transcript", "inbox", "outbox", "tracker_events", "audit"}
    assert set(counts.values()) == {0}
