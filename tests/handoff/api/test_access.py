"""No route can be reached without a session, by a lower role, or (mutating) without the CSRF token.

The checks iterate over the route registry, so a route added later is covered automatically.
"""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from handoff.api import console_api
from handoff.api.routing import PATH_PARAM_TYPES, Route
from handoff.models import Role
from handoff.operators.permissions import role_at_least
from tests.handoff.api.conftest import Console

ROUTES = console_api().routes
PROTECTED = [route for route in ROUTES if route.role is not None]
# the lowest role that is still too low for each route above the operator level
TOO_LOW = {Role.SUPERVISOR: "op1", Role.ADMIN: "sup"}


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


async def test_every_route_above_operator_refuses_a_lower_role_with_403(console: Console) -> None:
    users = {role: await console.user(login) for role, login in TOO_LOW.items()}
    checked, wrong = 0, {}
    for route in PROTECTED:
        if route.role is None or route.role is Role.OPERATOR:
            continue
        status, body = await users[route.role].call(route.method, concrete(route), {})
        checked += 1
        if status != 403:
            wrong[f"{route.method} {route.path}"] = (status, body)
    assert wrong == {}
    assert checked >= 11


def test_operator_level_routes_are_the_lowest_role() -> None:
    # no role below operator exists: for these the 401 test is the whole refusal story
    for route in PROTECTED:
        assert route.role is not None
        assert role_at_least(Role.OPERATOR, route.role) == (route.role is Role.OPERATOR)


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
