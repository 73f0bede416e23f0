"""The content API: an editor's change is what every action answers, checked, versioned, audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from actions.contacts import ActionContacts
from actions.incidents import ActionServiceStatus
from actions.out_of_scope import ActionOutOfScope
from actions.store.models import Service
from actions.texts import TEXTS
from bot.storage import session_scope, utcnow
from handoff.models import AuditEntry
from tests.actions.conftest import make_tracker, run_action
from tests.handoff.api.conftest import Console, ConsoleUser, InstancesFactory, editor_user

NEW_HOTLINE = "8 800 555-35-35"


async def _contacts_answer(console: Console) -> str:
    """What action_contacts tells a citizen now, reading the database the API writes."""
    tracker = make_tracker(intent="support_contacts")
    _, messages = await run_action(ActionContacts(console.sessions), tracker)
    return str(messages[0]["text"])


async def _audit(console: Console) -> list[tuple[str, dict[str, Any] | None]]:
    """The audit entries of content changes, oldest first (sign-ins and accounts left out)."""
    async with session_scope(console.sessions) as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [
            (row.action, row.detail)
            for row in rows
            if row.action.startswith(("content_", "incident_"))
        ]


async def _edited_contacts(editor: ConsoleUser, **changes: Any) -> tuple[int, Any]:
    """PUT the contacts as the editor loaded them, with `changes` applied."""
    _, current = await editor.call("GET", "/api/content/contacts")
    body = {key: current[key] for key in ("version", "hotline", "email", "chat_hours")}
    return await editor.call("PUT", "/api/content/contacts", {**body, **changes})


async def test_an_editors_new_hotline_is_what_the_contacts_action_answers(
    console: Console,
) -> None:
    editor = await editor_user(console)
    status, current = await editor.call("GET", "/api/content/contacts")
    assert (status, current["version"], current["hotline"]) == (200, 0, "8 800 100-70-10")
    status, saved = await _edited_contacts(editor, hotline=NEW_HOTLINE)
    assert (status, saved["version"], saved["hotline"]) == (200, 1, NEW_HOTLINE)
    assert saved["updated_by"] is not None
    assert NEW_HOTLINE in await _contacts_answer(console)
    ((action, detail),) = await _audit(console)
    assert action == "content_contacts"
    assert detail is not None
    assert (detail["version"], detail["body"]["hotline"]) == (1, NEW_HOTLINE)


async def test_an_edit_on_one_instance_is_in_force_on_the_other(
    make_console: InstancesFactory,
) -> None:
    console = await make_console(2)
    editor = await editor_user(console)
    assert (await _edited_contacts(editor, hotline=NEW_HOTLINE))[0] == 200
    other = await console.user("adm", instance=1)
    status, seen = await other.call("GET", "/api/content/contacts")
    assert (status, seen["version"], seen["hotline"]) == (200, 1, NEW_HOTLINE)


async def test_invalid_hours_are_refused_with_422_and_nothing_changes(console: Console) -> None:
    editor = await editor_user(console)
    _, current = await editor.call("GET", "/api/content/contacts")
    hours = {**current["chat_hours"], "weekday": {"open": "25:00", "close": "21:00"}}
    status, body = await _edited_contacts(editor, hotline=NEW_HOTLINE, chat_hours=hours)
    assert status == 422
    assert body["error"].startswith("Неверное время: часы работы чата, будни, начало.")
    no_holiday = {kind: day for kind, day in current["chat_hours"].items() if kind != "holiday"}
    status, body = await _edited_contacts(editor, chat_hours=no_holiday)
    assert status == 422
    assert body["error"].startswith("Не заданы часы работы: часы работы чата, праздники.")
    assert (await editor.call("GET", "/api/content/contacts"))[1]["version"] == 0
    assert NEW_HOTLINE not in await _contacts_answer(console)
    assert await _audit(console) == []


async def test_an_edit_of_a_stale_version_is_refused_with_409_not_overwriting(
    console: Console,
) -> None:
    first, second = await editor_user(console, "ed1"), await editor_user(console, "ed2")
    _, seen = await second.call("GET", "/api/content/contacts")
    assert (await _edited_contacts(first, hotline=NEW_HOTLINE))[0] == 200
    stale = {key: seen[key] for key in ("version", "hotline", "email", "chat_hours")}
    status, body = await second.call(
        "PUT", "/api/content/contacts", {**stale, "hotline": "8 800 000-00-00"}
    )
    assert status == 409
    assert body["error"].startswith("Это содержание уже изменил другой редактор.")
    assert NEW_HOTLINE in await _contacts_answer(console)


async def test_an_operator_may_neither_read_nor_change_the_content(console: Console) -> None:
    operator = await console.user("op1")
    assert (await operator.call("GET", "/api/content/contacts"))[0] == 403
    assert (await operator.call("PUT", "/api/content/contacts", {"version": 0}))[0] == 403
    assert (await operator.call("GET", "/api/content/incidents"))[0] == 403


async def test_an_editors_new_out_of_scope_topic_is_what_the_action_answers(
    console: Console,
) -> None:
    editor = await editor_user(console)
    _, current = await editor.call("GET", "/api/content/out-of-scope")
    hunting = {"code": "hunting", "keywords": ["охотничий билет"], "route": "Раздел «Охота»."}
    body = {key: current[key] for key in ("version", "intro", "outro", "default_route")}
    broken = {**body, "topics": [{**hunting, "keywords": []}]}
    status, refused = await editor.call("PUT", "/api/content/out-of-scope", broken)
    assert (status, refused["error"]) == (
        422,
        "Нужно хотя бы одно ключевое слово: тема № 1, ключевые слова.",
    )
    edited = {**body, "topics": [hunting, *current["topics"]]}
    status, saved = await editor.call("PUT", "/api/content/out-of-scope", edited)
    assert (status, saved["version"], saved["topics"][0]["code"]) == (200, 1, "hunting")
    tracker = make_tracker(intent="out_of_scope", text="как получить охотничьи билеты")
    _, messages = await run_action(ActionOutOfScope(console.sessions), tracker)
    assert messages[0]["text"] == f"{current['intro']}\nРаздел «Охота».\n{current['outro']}"
    assert [action for action, _ in await _audit(console)] == ["content_out_of_scope"]


async def _service_status(console: Console, service: str) -> str:
    """What action_service_status tells a citizen who names the service."""
    entities = [{"entity": "service", "value": service}]
    tracker = make_tracker(intent="service_unavailable", entities=entities)
    _, messages = await run_action(ActionServiceStatus(console.sessions), tracker)
    return str(messages[0]["text"])


async def test_an_incident_announced_in_the_console_is_what_the_citizen_is_told(
    console: Console,
) -> None:
    async with session_scope(console.sessions) as session:
        session.add(Service(code="lk", title="Личный кабинет"))
    editor = await editor_user(console)
    now = utcnow()
    incident = {
        "service_code": "lk",
        "kind": "incident",
        "public_text": "Личный кабинет не открывается.",
        "started_at": (now - timedelta(hours=1)).isoformat(),
        "expected_recovery_at": (now - timedelta(hours=2)).isoformat(),
    }
    status, refused = await editor.call("POST", "/api/content/incidents", incident)
    assert (status, refused["error"]) == (422, "Время восстановления должно быть позже начала.")
    incident["expected_recovery_at"] = (now + timedelta(hours=2)).isoformat()
    status, created = await editor.call("POST", "/api/content/incidents", incident)
    assert (status, created["version"], created["resolved_at"]) == (201, 0, None)
    assert "Личный кабинет не открывается." in await _service_status(console, "lk")

    path = f"/api/content/incidents/{created['id']}"
    rewritten = {**incident, "version": 0, "public_text": "Вход в личный кабинет починят к вечеру."}
    status, edited = await editor.call("PUT", path, rewritten)
    assert (status, edited["version"]) == (200, 1)
    assert (await editor.call("PUT", path, rewritten))[0] == 409
    assert "починят к вечеру" in await _service_status(console, "lk")

    status, ended = await editor.call("POST", f"{path}/end", {"version": 1})
    assert (status, ended["version"]) == (200, 2)
    assert ended["resolved_at"] is not None
    assert await _service_status(console, "lk") == TEXTS.self_help
    _, board = await editor.call("GET", "/api/content/incidents")
    assert {"code": "lk", "title": "Личный кабинет"} in board["services"]
    assert [item["id"] for item in board["incidents"]] == [created["id"]]
    assert [action for action, _ in await _audit(console)] == [
        "incident_create",
        "incident_update",
        "incident_end",
    ]
    missing = {**rewritten, "version": 2}
    assert (await editor.call("PUT", "/api/content/incidents/999999", missing))[0] == 404
