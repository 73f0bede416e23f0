"""No route can be reached without a session, by a lower role, or (mutating) without the CSRF token.

The checks iterate over the route registry, so a route added later is covered automatically.
"""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from bot.app import CONSOLE_EXTENSIONS
from handoff.api import console_api
from handoff.api.routing import PATH_PARAM_TYPES, Route
from handoff.models import Role
from handoff.operators.permissions import Audience, may_use
from tests.handoff.api.conftest import Console

ROUTES = console_api(CONSOLE_EXTENSIONS).routes
PROTECTED = [route for route in ROUTES if route.role is not None]
# one account of each role (the editor is created by the test that needs it)
ACCOUNTS = {Role.OPERATOR: "op1", Role.SUPERVISOR: "sup", Role.ADMIN: "adm", Role.EDITOR: "ed"}


def concrete(route: Route) -> str:
    """The route's path with its parameters filled in."""
    return re.sub(
        r"\{(\w+)\}",
        lambda m: "1" if PATH_PARAM_TYPES.get(m[1], str) is int else "access",
        route.path,
    )


def test_every_route_but_login_needs_a_session() -> None:
    public = {(route.method, route.path) for route in ROUTES if route.role is None}
    assert public == {("POST", "/api/login")}
    assert {route.path for route in ROUTES} >= {
        "/api/queue",
        "/api/chats/{id}",
        "/api/ws",
        "/api/operators/{id}",
        "/api/groups/{code}",
    }


async def test_every_protected_route_refuses_an_anonymous_request_with_401(
    console: Console,
) -> None:
    user = await console.user()
    answers = {}
    for route in PROTECTED:
        answers[f"{route.method} {route.path}"] = await user.call(route.method, concrete(route), {})
    wrong = {name: answer for name, answer in answers.items() if answer[0] != 401}
    assert wrong == {}
    assert all(body["error"] for _, body in answers.values())


async def test_forged_cookie_is_refused(console: Console) -> None:
    user = await console.user()
    user.http.cookie_jar.update_cookies(
        {"gp_console": "forged-token"}, user.instance.server.make_url("/")
    )
    status, _ = await user.call("GET", "/api/queue")
    assert status == 401


async def test_every_route_refuses_each_role_it_is_not_for_with_403(console: Console) -> None:
    admin = await console.user("adm")
    editor = {
        "login": "ed",
        "name": "Редактор",
        "password": "пароль-редактора",
        "role": "editor",
        "max_chats": 1,
        "groups": [],
        "active": True,
    }
    assert (await admin.call("POST", "/api/operators", editor))[0] == 201
    users = {}
    for role, login in ACCOUNTS.items():
        users[role] = await console.user()
        password = "пароль-редактора" if role is Role.EDITOR else None
        assert (await users[role].login(login, *([password] if password else [])))[0] == 200
    checked, wrong = 0, {}
    for route in PROTECTED:
        assert route.role is not None
        for role, user in users.items():
            if may_use(role, route.role):
                continue
            status, body = await user.call(route.method, concrete(route), {})
            checked += 1
            if status != 403:
                wrong[f"{role} {route.method} {route.path}"] = (status, body)
    assert wrong == {}
    assert checked >= 40


def test_only_the_session_routes_are_for_anyone_signed_in() -> None:
    # for these the 401 test is the whole refusal story
    signed_in = {
        (route.method, route.path) for route in PROTECTED if route.role is Audience.SIGNED_IN
    }
    assert signed_in == {("GET", "/api/me"), ("POST", "/api/logout")}
    assert all(may_use(role, Audience.SIGNED_IN) for role in Role)


async def test_every_mutating_route_refuses_a_missing_or_wrong_csrf_token(
    console: Console,
) -> None:
    user = await console.user("adm")
    mutating = [route for route in PROTECTED if route.mutating]
    wrong = {}
    for route in mutating:
        for token in ("", "wrong-token"):
            status, body = await user.call(route.method, concrete(route), {}, csrf=token)
            if status != 403:
                wrong[f"{route.method} {route.path} csrf={token!r}"] = (status, body)
    assert wrong == {}
    assert len(mutating) >= 12
    status, _ = await user.call("GET", "/api/me")  # the session itself is still fine
    assert status == 200


async def test_openapi_document_is_valid_and_lists_every_route(console: Console) -> None:
    user = await console.user()
    status, document = await user.call("GET", "/api/openapi.json")
    assert status == 200
    validate(document)
    assert document["openapi"].startswith("3.1")
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        assert operation["summary"]
        if route.role is None:
            assert operation["security"] == []
        else:
            schemes = operation["security"][0]
            assert "sessionCookie" in schemes
            assert ("csrfToken" in schemes) == route.mutating
            assert {"401", "403"} <= set(operation["responses"])
    ids = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids)) == len(ROUTES)
    login = document["paths"]["/api/login"]["post"]
    assert {"200", "401", "423"} <= set(login["responses"])
    assert document["components"]["securitySchemes"]["sessionCookie"]["in"] == "cookie"
