"""The editor role: signs in and out, works on training, never sees a citizen's chat."""

from __future__ import annotations

import pytest

from handoff.models import Role
from handoff.operators.permissions import may_use
from tests.handoff.api.conftest import Console

ACCOUNT = {"name": "Елена Редактор", "max_chats": 1, "groups": [], "active": True}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.OPERATOR, {Role.OPERATOR}),
        (Role.SUPERVISOR, {Role.OPERATOR, Role.SUPERVISOR}),
        (Role.EDITOR, {Role.EDITOR}),
        (Role.ADMIN, set(Role)),
    ],
)
def test_which_routes_each_role_may_use(role: Role, allowed: set[Role]) -> None:
    assert {route_role for route_role in Role if may_use(role, route_role)} == allowed


def test_an_unknown_role_may_use_nothing() -> None:
    assert not any(may_use("superuser", route_role) for route_role in Role)


async def _editor(console: Console, login: str = "ed") -> None:
    admin = await console.user("adm")
    body = {**ACCOUNT, "login": login, "password": "пароль-редактора", "role": "editor"}
    status, created = await admin.call("POST", "/api/operators", body)
    assert status == 201
    assert created["role"] == "editor"


async def test_an_admin_grants_the_editor_role_and_the_editor_signs_in_and_out(
    console: Console,
) -> None:
    await _editor(console)
    editor = await console.user()
    assert (await editor.login("ed", "пароль-редактора"))[0] == 200
    status, me = await editor.call("GET", "/api/me")
    assert status == 200
    assert me["operator"]["role"] == "editor"
    assert (await editor.call("GET", "/api/review/clusters"))[0] == 200
    assert (await editor.call("POST", "/api/logout"))[0] == 204
    assert (await editor.call("GET", "/api/me"))[0] == 401


async def test_an_editor_sees_no_operator_desk_supervision_or_administration(
    console: Console,
) -> None:
    await _editor(console)
    editor = await console.user()
    await editor.login("ed", "пароль-редактора")
    for path in ("/api/queue", "/api/operators", "/api/supervisor", "/api/meta"):
        status, body = await editor.call("GET", path)
        assert status == 403, path
        assert body["error"] == "Недостаточно прав для этого действия."
    status, _ = await editor.call("PUT", "/api/me/presence", {"presence": "online"})
    assert status == 403, "an editor never goes online to take citizens' chats"


async def test_operators_and_supervisors_may_not_review_but_admins_may(console: Console) -> None:
    for login, expected in (("op1", 403), ("sup", 403), ("adm", 200)):
        user = await console.user(login)
        assert (await user.call("GET", "/api/review/clusters"))[0] == expected, login


async def test_the_last_admin_cannot_become_an_editor(console: Console) -> None:
    admin = await console.user("adm")
    me = {**ACCOUNT, "login": "adm", "name": "Оператор adm", "role": "editor"}
    status, body = await admin.call("PUT", f"/api/operators/{console.staff['adm']}", me)
    assert status == 409
    assert body["error"]
