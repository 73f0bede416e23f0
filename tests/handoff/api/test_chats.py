"""The operator's work through the API: queue, open, take (races), reply, transfer, close, audit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from actions import demo
from actions.store.models import Citizen
from actions.store.queries import bind_chat
from bot.models import OutboxItem
from bot.storage import session_scope, utcnow
from handoff.models import AuditEntry, ChatStatus, HandoffChat
from tests.handoff.api.conftest import Console, InstancesFactory, seed_chat


async def test_two_operators_on_two_instances_race_for_one_chat(
    make_console: InstancesFactory,
) -> None:
    console = await make_console(2)
    chat_id = await seed_chat(console.sessions, "race")
    first = await console.user("op1", instance=0)
    second = await console.user("op2", instance=1)
    queues = [await first.call("GET", "/api/queue"), await second.call("GET", "/api/queue")]
    for _, queue in queues:
        for chat in queue["chats"]:
            chat.pop("wait_s")  # grows with the clock between the two reads
    assert queues[0] == queues[1], "both instances show the same queue"
    assert [chat["id"] for chat in queues[0][1]["chats"]] == [chat_id]

    answers = await asyncio.gather(
        first.call("POST", f"/api/chats/{chat_id}/take"),
        second.call("POST", f"/api/chats/{chat_id}/take"),
    )

    assert sorted(status for status, _ in answers) == [200, 409]
    winner = next(body for status, body in answers if status == 200)
    loser = next(body for status, body in answers if status == 409)
    assert winner["status"] == "assigned"
    assert loser["error"]
    async with console.sessions() as session:
        chat = await session.get(HandoffChat, chat_id)
        assert chat is not None
        assert chat.operator_id == winner["operator"]["id"]
    winner_user = first if winner["operator"]["id"] == console.staff["op1"] else second
    loser_user = second if winner_user is first else first
    _, mine = await winner_user.call("GET", "/api/queue")
    _, theirs = await loser_user.call("GET", "/api/queue")
    assert [chat["id"] for chat in mine["chats"]] == [chat_id]
    assert theirs["chats"] == []


async def test_queue_shows_my_groups_oldest_first_with_positions(console: Console) -> None:
    now = utcnow()
    older = await seed_chat(console.sessions, "older", queued_at=now - timedelta(minutes=5))
    newer = await seed_chat(console.sessions, "newer", queued_at=now - timedelta(minutes=1))
    deferred = await seed_chat(
        console.sessions, "later", status=ChatStatus.DEFERRED, queued_at=now - timedelta(hours=1)
    )
    other_group = await seed_chat(console.sessions, "tech", "technical")
    op1 = await console.user("op1")
    status, queue = await op1.call("GET", "/api/queue")
    assert status == 200
    assert [chat["id"] for chat in queue["chats"]] == [deferred, older, newer]
    by_id = {chat["id"]: chat for chat in queue["chats"]}
    assert by_id[older]["position"] == 1
    assert by_id[newer]["position"] == 2
    assert by_id[deferred]["position"] is None
    assert 299 <= by_id[older]["wait_s"] <= 310
    assert by_id[older]["last_message"] == "позовите оператора"
    assert by_id[older]["queued_at"].endswith("Z")
    assert queue["groups"] == [
        {"code": "access", "title": "Доступ и учётная запись", "open": True, "queued": 2}
    ]
    supervisor = await console.user("sup")
    _, everything = await supervisor.call("GET", "/api/queue")
    assert {chat["id"] for chat in everything["chats"]} == {deferred, older, newer, other_group}
    assert [group["code"] for group in everything["groups"]] == ["access", "appeals", "technical"]


async def test_opened_bound_chat_shows_transcript_and_citizen_profile(console: Console) -> None:
    async with session_scope(console.sessions) as session:
        await demo.load_demo(session, utcnow(), "test-key")
    lines = (
        ("citizen", "где мое заявление"),
        ("bot", "Назовите номер заявления."),
        ("citizen", "оператора позовите"),
    )
    chat_id = await seed_chat(console.sessions, "bound", "appeals", lines=lines)
    async with session_scope(console.sessions) as session:
        ivanov = await session.scalar(
            select(Citizen).where(Citizen.phone == demo.DEMO_CITIZEN_PHONE)
        )
        assert ivanov is not None
        await bind_chat(session, "webchat:bound", ivanov, "test", utcnow())
    admin = await console.user("adm")

    status, detail = await admin.call("GET", f"/api/chats/{chat_id}")

    assert status == 200
    assert [(line["author"], line["text"]) for line in detail["transcript"]] == list(lines)
    citizen = detail["citizen"]
    assert citizen["name"] == demo.DEMO_CITIZEN_NAME
    assert citizen["phone_masked"] == "+7 999 ***-**-01"
    appeals = {appeal["number"]: appeal for appeal in citizen["appeals"]}
    assert set(appeals) == {appeal.number for appeal in demo.FIXED_APPEALS}
    assert appeals[demo.APPEAL_OVERDUE]["overdue"] is True
    assert appeals[demo.APPEAL_IN_PROGRESS]["overdue"] is False
    assert appeals[demo.APPEAL_IN_PROGRESS]["service"] == "Заграничный паспорт"
    _, raw = await admin.call("GET", f"/api/chats/{chat_id}")
    assert demo.DEMO_CITIZEN_PHONE[2:] not in str(raw), "the phone is never shown in clear"

    anonymous = await seed_chat(console.sessions, "anonymous", "appeals")
    _, detail = await admin.call("GET", f"/api/chats/{anonymous}")
    assert detail["citizen"] is None


async def test_operator_cannot_open_or_take_another_groups_chat(console: Console) -> None:
    chat_id = await seed_chat(console.sessions, "tech", "technical")
    op1 = await console.user("op1")
    assert (await op1.call("GET", f"/api/chats/{chat_id}"))[0] == 403
    assert (await op1.call("POST", f"/api/chats/{chat_id}/take"))[0] == 403
    assert (await op1.call("GET", "/api/chats/999999"))[0] == 404
    tech = await console.user("tech")
    assert (await tech.call("GET", f"/api/chats/{chat_id}"))[0] == 200


async def test_work_on_a_chat_is_audited(console: Console) -> None:
    chat_id = await seed_chat(console.sessions, "audited")
    op1 = await console.user("op1")
    assert (await op1.call("GET", f"/api/chats/{chat_id}"))[0] == 200
    status, taken = await op1.call("POST", f"/api/chats/{chat_id}/take")
    assert status == 200
    assert taken["operator"] == {"id": console.staff["op1"], "name": "Оператор op1"}
    status, line = await op1.call(
        "POST", f"/api/chats/{chat_id}/messages", {"text": "Здравствуйте, чем помочь?"}
    )
    assert status == 200
    assert line["author"] == "operator"
    assert line["text"] == "Здравствуйте, чем помочь?"
    status, closed = await op1.call(
        "POST", f"/api/chats/{chat_id}/close", {"resolution": "resolved"}
    )
    assert status == 200
    assert closed["status"] == "closed"

    supervisor = await console.user("sup")
    status, audit = await supervisor.call("GET", "/api/audit", params={"limit": "50"})
    assert status == 200
    about_chat = [entry for entry in audit if entry["chat_id"] == chat_id]
    actions = [entry["action"] for entry in reversed(about_chat)]
    assert actions[0] == "open"
    for action in ("take", "reply", "close"):
        assert action in actions
    assert all(entry["operator"]["id"] == console.staff["op1"] for entry in about_chat)
    async with console.sessions() as session:
        outbox = await session.scalars(
            select(OutboxItem).where(OutboxItem.conversation_id == "webchat:audited")
        )
        assert "Здравствуйте, чем помочь?" in [item.message.get("text") for item in outbox]
        replies = await session.scalars(select(AuditEntry).where(AuditEntry.action == "reply"))
        assert "Здравствуйте" not in str([entry.detail for entry in replies])
    assert (await supervisor.call("GET", "/api/audit", params={"limit": "0"}))[0] == 400


async def test_take_next_and_transfer(console: Console) -> None:
    op1 = await console.user("op1")
    assert (await op1.call("POST", "/api/chats/next"))[0] == 204
    chat_id = await seed_chat(console.sessions, "next")
    status, taken = await op1.call("POST", "/api/chats/next")
    assert status == 200
    assert taken["id"] == chat_id
    assert taken["transcript"]
    status, moved = await op1.call(
        "POST",
        f"/api/chats/{chat_id}/transfer",
        {"group_code": "technical", "note": "сбой при входе"},
    )
    assert status == 200, moved
    assert moved["status"] == "queued"
    assert moved["group_code"] == "technical"
    assert moved["operator"] is None
    assert (await op1.call("POST", f"/api/chats/{chat_id}/close", {"resolution": "resolved"}))[
        0
    ] in (403, 409)


async def test_invalid_input_is_refused_with_400_and_the_fields(console: Console) -> None:
    chat_id = await seed_chat(console.sessions, "invalid")
    op1 = await console.user("op1")
    await op1.call("POST", f"/api/chats/{chat_id}/take")
    for body in ({}, {"text": ""}, {"text": "   "}, {"text": "x" * 4001}):
        status, answer = await op1.call("POST", f"/api/chats/{chat_id}/messages", body)
        assert status == 400, body
        assert answer["errors"][0]["loc"][-1] == "text"
    status, answer = await op1.call("POST", f"/api/chats/{chat_id}/close", {"resolution": "ok"})
    assert status == 400
    status, answer = await op1.call(
        "POST", f"/api/chats/{chat_id}/transfer", {"group_code": "technical", "operator_id": 1}
    )
    assert status == 400
    status, answer = await op1.call("PUT", "/api/me/presence", {"presence": "busy"})
    assert status == 400
    status, me = await op1.call("PUT", "/api/me/presence", {"presence": "online"})
    assert status == 200
    assert me["presence"] == "online"
    status, _ = await op1.call("POST", "/api/login", None)  # not JSON at all
    assert status == 415
