"""The supervisor's dashboard: waits against the 30 s target, handling time, CSAT, load."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from bot.models import Conversation
from bot.storage import session_scope, utcnow
from handoff.models import ChatStatus, Operator, Presence, Rating
from tests.handoff.api.conftest import Console, seed_chat


async def test_dashboard_figures_for_a_seeded_day(console: Console) -> None:
    now = utcnow()

    def ago(seconds: float) -> datetime:
        return now - timedelta(seconds=seconds)

    op1, op2 = console.staff["op1"], console.staff["op2"]
    quick = await seed_chat(
        console.sessions,
        "quick",
        status=ChatStatus.CLOSED,
        queued_at=ago(600),
        assigned_at=ago(590),
        closed_at=ago(300),
        operator_id=op1,
        resolution="resolved",
    )  # waited 10 s, handled 290 s
    slow = await seed_chat(
        console.sessions,
        "slow",
        status=ChatStatus.CLOSED,
        queued_at=ago(1200),
        assigned_at=ago(1140),
        closed_at=ago(600),
        operator_id=op1,
        resolution="resolved",
    )  # waited 60 s (a breach), handled 540 s
    await seed_chat(console.sessions, "waiting", queued_at=ago(120))  # waiting 120 s: a breach
    await seed_chat(
        console.sessions,
        "gave-up",
        status=ChatStatus.LEFT,
        queued_at=ago(1800),
        closed_at=ago(1740),
        updated_at=ago(1740),
    )  # left after 60 s unanswered: a breach, not in the average
    await seed_chat(
        console.sessions,
        "held",
        status=ChatStatus.ASSIGNED,
        queued_at=ago(60),
        assigned_at=ago(55),
        operator_id=op2,
    )  # waited 5 s, still being handled
    await seed_chat(
        console.sessions,
        "yesterday",
        status=ChatStatus.CLOSED,
        queued_at=ago(30 * 3600),
        assigned_at=ago(30 * 3600 - 500),
        closed_at=ago(29 * 3600),
        operator_id=op1,
        resolution="resolved",
    )  # outside the 24 h window
    async with session_scope(console.sessions) as session:
        session.add_all(
            [
                Rating(chat_id=quick, rating=5, created_at=ago(200)),
                Rating(chat_id=slow, rating=3, created_at=ago(500)),
            ]
        )
        for n in range(4):  # conversations the bot handled alone
            session.add(Conversation(id=f"webchat:bot-{n}", channel="webchat", chat_id=f"bot-{n}"))
        await session.execute(
            update(Operator).where(Operator.id == op1).values(presence=Presence.ONLINE)
        )
    supervisor = await console.user("sup")

    status, board = await supervisor.call("GET", "/api/supervisor")

    assert status == 200
    assert board["target_wait_s"] == 30
    groups = {group["code"]: group for group in board["groups"]}
    access = groups["access"]
    assert access["queued"] == 1
    assert access["online"] == 1
    assert 119 <= access["longest_wait_s"] <= 125
    assert access["avg_wait_s"] == 25.0  # (10 + 60 + 5) / 3
    assert access["breaches"] == 3
    assert access["avg_handle_s"] == 415.0  # (290 + 540) / 2
    assert access["csat_avg"] == 4.0
    assert access["csat_count"] == 2
    assert groups["appeals"] == {
        "code": "appeals",
        "title": "Заявления и обращения",
        "queued": 0,
        "online": 0,
        "longest_wait_s": 0,
        "avg_wait_s": None,
        "breaches": 0,
        "avg_handle_s": None,
        "csat_avg": None,
        "csat_count": 0,
    }
    load = {operator["id"]: operator for operator in board["operators"]}
    assert load[op1]["presence"] == "online"
    assert load[op1]["active_chats"] == 0
    assert load[op2]["active_chats"] == 1
    # 5 handoffs in 24 h over 10 conversations with activity (6 with a handoff, 4 without)
    assert board["handoff_rate"] == 0.5
