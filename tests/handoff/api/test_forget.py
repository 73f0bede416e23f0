"""Forget-me from the console: an operator erases the chat of a citizen who asked by phone."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actions import demo
from actions.store.models import Citizen, MessengerBinding
from actions.store.queries import bind_chat
from bot.app import DATA_LIFECYCLE
from bot.retention.forget import conversation_ref
from bot.retention.models import ErasureRequest
from bot.storage import session_scope, utcnow
from handoff.models import AuditEntry
from tests.handoff.api.conftest import InstancesFactory, seed_chat
from tests.walk import add_tracker_events, traces_in_tables, traces_in_tracker

SECRET = "console-forget-secret"
SAID = "мой паспорт 4510 123456 потерян"


async def test_operator_erases_the_chat_of_a_citizen_who_asks_by_phone(
    make_console: InstancesFactory, engine: AsyncEngine, tmp_path: Path
) -> None:
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    console = await make_console(1, tracker_store_url=tracker, session_secret=SecretStr(SECRET))
    async with session_scope(console.sessions) as session:
        await demo.load_demo(session, utcnow(), "test-key")
    chat_id = await seed_chat(console.sessions, "byphone", "appeals", lines=(("citizen", SAID),))
    cid = "webchat:byphone"
    async with session_scope(console.sessions) as session:
        ivanov = await session.scalar(
            select(Citizen).where(Citizen.phone == demo.DEMO_CITIZEN_PHONE)
        )
        assert ivanov is not None
        await bind_chat(session, cid, ivanov, "test", utcnow())
    await add_tracker_events(tracker, cid, [("user", utcnow().timestamp(), f'"{SAID}"')])
    supervisor = await console.user("sup")
    assert (await supervisor.call("GET", f"/api/chats/{chat_id}"))[0] == 200

    status, body = await supervisor.call("POST", f"/api/chats/{chat_id}/forget")
    assert (status, body) == (202, {"status": "scheduled"})
    status, body = await supervisor.call("POST", f"/api/chats/{chat_id}/forget")
    assert (status, body) == (202, {"status": "already_scheduled"})
    assert await console.main.app[DATA_LIFECYCLE].eraser.run_due() == 1

    assert (await supervisor.call("GET", f"/api/chats/{chat_id}"))[0] == 404
    assert await traces_in_tables(engine, cid, "byphone", (SAID,)) == []
    assert await traces_in_tracker(tracker, cid, (SAID,)) == 0
    async with console.sessions() as session:
        audit = list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        # the portal account is not the chat's data: it stays, only the binding went
        assert await session.get(Citizen, ivanov.id) is not None
    ref = conversation_ref(SECRET, cid)
    mine = [
        (e.action, e.operator_id, e.detail) for e in audit if e.operator_id == console.staff["sup"]
    ]
    assert ("forget_requested", console.staff["sup"], {"conversation": ref}) in mine
    assert (
        "forget",
        console.staff["sup"],
        {"conversation": ref, "channel": "webchat", "by": "operator"},
    ) in mine
    assert all(e.chat_id is None for e in audit), "no audit line points at the erased chat"


async def test_an_operator_cannot_erase_a_chat_outside_their_groups(
    make_console: InstancesFactory,
) -> None:
    console = await make_console(1)
    chat_id = await seed_chat(console.sessions, "othergroup", "technical")
    op1 = await console.user("op1")
    assert (await op1.call("POST", f"/api/chats/{chat_id}/forget"))[0] == 403
    assert (await op1.call("POST", f"/api/chats/{chat_id}/forget", csrf=""))[0] == 403
    assert (await op1.call("POST", "/api/chats/999999/forget"))[0] == 404
    async with console.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ErasureRequest)) == 0
        assert await session.scalar(select(func.count()).select_from(MessengerBinding)) == 0
    _, document = await op1.call("GET", "/api/openapi.json")
    assert "post" in document["paths"]["/api/chats/{id}/forget"]
