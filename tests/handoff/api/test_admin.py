"""Administration and supervision: accounts, groups, ready answers, menus."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from bot.storage import session_scope
from handoff.models import CannedResponse
from tests.handoff.api.conftest import Console

ALL_DAY = {"open": "00:00", "close": "24:00"}
HOURS = {"weekday": {"open": "09:00", "close": "18:00"}, "weekend": None, "holiday": None}


async def test_admin_manages_operator_accounts(console: Console) -> None:
    admin = await console.user("adm")
    account: dict[str, Any] = {
        "login": "anna",
        "name": "Анна Смирнова",
        "password": "короткий",
        "role": "operator",
        "max_chats": 4,
        "groups": ["appeals"],
        "active": True,
    }
    status, refused = await admin.call("POST", "/api/operators", account)
    assert status == 400, "a password needs at least 10 characters"
    assert refused["errors"][0]["loc"] == ["password"]
    status, created = await admin.call(
        "POST", "/api/operators", {**account, "password": "достаточно-длинный"}
    )
    assert status == 201
    assert created["groups"] == ["appeals"]
    assert created["locked"] is False
    assert (await admin.call("POST", "/api/operators", {**account, "password": "x" * 12}))[0] == 409
    anna = await console.user()
    assert (await anna.login("anna", "достаточно-длинный"))[0] == 200

    update = {**account, "password": "новый-пароль-анны", "role": "supervisor", "groups": []}
    status, changed = await admin.call("PUT", f"/api/operators/{created['id']}", update)
    assert status == 200
    assert changed["role"] == "supervisor"
    assert changed["groups"] == []
    assert (await anna.call("GET", "/api/me"))[0] == 401, "a new password ends the sessions"
    assert (await anna.login("anna", "новый-пароль-анны"))[0] == 200
    status, everyone = await admin.call("GET", "/api/operators")
    assert status == 200
    assert "anna" in [operator["login"] for operator in everyone]
    assert all("password" not in str(operator) for operator in everyone)
    assert (await admin.call("PUT", "/api/operators/999999", update))[0] == 404


async def test_the_last_admin_cannot_be_demoted(console: Console) -> None:
    admin = await console.user("adm")
    me = {
        "login": "adm",
        "name": "Оператор adm",
        "role": "operator",
        "max_chats": 3,
        "groups": [],
        "active": True,
    }
    status, body = await admin.call("PUT", f"/api/operators/{console.staff['adm']}", me)
    assert status == 409
    assert body["error"]


async def test_admin_manages_groups(console: Console) -> None:
    admin = await console.user("adm")
    group = {
        "code": "pensions",
        "title": "Пенсии",
        "topics": ["pension"],
        "hours": HOURS,
        "auto_assign": False,
        "active": True,
    }
    status, created = await admin.call("POST", "/api/groups", group)
    assert status == 201
    assert created == group
    assert (await admin.call("POST", "/api/groups", group))[0] == 409
    bad_hours = {**group, "code": "broken", "hours": {"weekday": {"open": "25:00", "close": "x"}}}
    assert (await admin.call("POST", "/api/groups", bad_hours))[0] == 400
    assert (await admin.call("POST", "/api/groups", {**group, "code": "Bad Code"}))[0] == 400
    status, changed = await admin.call(
        "PUT", "/api/groups/pensions", {**group, "title": "Пенсии и пособия", "active": False}
    )
    assert status == 200
    assert changed["title"] == "Пенсии и пособия"
    assert changed["active"] is False
    status, groups = await admin.call("GET", "/api/groups")
    assert [g["code"] for g in groups] == ["access", "appeals", "pensions", "technical"]
    assert (await admin.call("PUT", "/api/groups/nope", group))[0] == 404
    _, meta = await admin.call("GET", "/api/meta")
    assert "pensions" not in [g["code"] for g in meta["groups"]], "inactive groups take no chats"


async def test_ready_answers_by_group(console: Console) -> None:
    async with session_scope(console.sessions) as session:
        await session.execute(delete(CannedResponse))  # not the ones content/canned.yml seeded
    supervisor = await console.user("sup")
    everyone = {"group_code": None, "title": "Приветствие", "text": "Здравствуйте!"}
    technical = {"group_code": "technical", "title": "Кэш", "text": "Очистите кэш браузера."}
    status, greeting = await supervisor.call("POST", "/api/canned", everyone)
    assert status == 201
    assert (await supervisor.call("POST", "/api/canned", technical))[0] == 201
    assert (await supervisor.call("POST", "/api/canned", {**technical, "group_code": "nope"}))[
        0
    ] == 400
    op1 = await console.user("op1")
    _, mine = await op1.call("GET", "/api/canned")
    assert [answer["title"] for answer in mine] == ["Приветствие"]
    _, all_answers = await supervisor.call("GET", "/api/canned")
    assert {answer["title"] for answer in all_answers} == {"Приветствие", "Кэш"}
    status, edited = await supervisor.call(
        "PUT", f"/api/canned/{greeting['id']}", {**everyone, "text": "Добрый день!"}
    )
    assert status == 200
    assert edited == {**everyone, "text": "Добрый день!", "id": greeting["id"]}
    assert (await supervisor.call("DELETE", f"/api/canned/{greeting['id']}"))[0] == 204
    assert (await supervisor.call("DELETE", f"/api/canned/{greeting['id']}"))[0] == 404
    _, mine = await op1.call("GET", "/api/canned")
    assert mine == []


async def test_meta_lists_resolutions_groups_and_operators(console: Console) -> None:
    op1 = await console.user("op1")
    status, meta = await op1.call("GET", "/api/meta")
    assert status == 200
    assert meta["resolutions"] == [
        {"code": "resolved", "title": "Решено"},
        {"code": "ticket", "title": "Создано обращение"},
        {"code": "redirected", "title": "Перенаправлено в ведомство"},
        {"code": "callback", "title": "Назначен обратный звонок"},
        {"code": "no_answer", "title": "Гражданин не ответил"},
        {"code": "spam", "title": "Спам/не по теме"},
    ]
    assert [group["code"] for group in meta["groups"]] == ["access", "appeals", "technical"]
    assert {operator["id"] for operator in meta["operators"]} == set(console.staff.values())
    assert set(meta["operators"][0]) == {"id", "name", "presence"}
