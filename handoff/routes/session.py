"""Logging in and out, who I am, and my presence."""

from __future__ import annotations

from aiohttp import web

from bot.keys import SETTINGS
from handoff.api.routing import Call, NoInput, RouteTable, error_response
from handoff.api.schemas import LoginInput, PresenceInput
from handoff.console.texts import console_text
from handoff.keys import HANDOFF
from handoff.models import Presence, Role
from handoff.operators.auth import (
    LoginResult,
    TooManyChecks,
    clear_session_cookie,
    login,
    logout,
    set_session_cookie,
)
from handoff.operators.permissions import Audience
from handoff.operators.views import Me, SessionView, me_view

routes = RouteTable()


def _secure(request: web.Request) -> bool:
    public_url = request.app[SETTINGS].public_url or ""
    return public_url.startswith("https://")


@routes.route(
    "POST",
    "/api/login",
    summary="Log in: sets the session cookie and returns the CSRF token",
    role=None,
    input=LoginInput,
    response=SessionView,
    errors=(401, 423, 429),
)
async def log_in(call: Call[LoginInput]) -> web.StreamResponse:
    """Check the credentials; a refusal is committed too (failure counter, audit)."""
    try:
        outcome = await login(call.db, call.data.login, call.data.password, call.now)
    except TooManyChecks:
        return error_response(429, console_text("login_busy"))
    if outcome.result is LoginResult.LOCKED:
        return error_response(423, console_text("login_locked"))
    if outcome.result is LoginResult.FAILED or outcome.operator is None:
        return error_response(401, console_text("login_failed"))
    view = SessionView(
        operator=await me_view(call.db, outcome.operator), csrf_token=outcome.csrf_token
    )
    response = web.json_response(view.model_dump(mode="json"))
    set_session_cookie(response, outcome.token, secure=_secure(call.request))
    return response


@routes.route(
    "POST",
    "/api/logout",
    summary="Log out: the session ends and the operator goes offline",
    role=Audience.SIGNED_IN,
    input=NoInput,
    response=None,
)
async def log_out(call: Call[NoInput]) -> web.StreamResponse:
    """End the session and stop taking chats."""
    operator = call.operator
    if operator.presence != Presence.OFFLINE:
        await call.request.app[HANDOFF].desk.set_presence(call.db, operator, Presence.OFFLINE)
    if call.console_session is not None:
        await logout(call.db, call.console_session)
    response = web.Response(status=204)
    clear_session_cookie(response, secure=_secure(call.request))
    return response


@routes.route(
    "GET",
    "/api/me",
    summary="The logged-in operator and the session's CSRF token",
    role=Audience.SIGNED_IN,
    input=NoInput,
    response=SessionView,
)
async def who_am_i(call: Call[NoInput]) -> SessionView:
    """Who is logged in."""
    assert call.console_session is not None
    return SessionView(
        operator=await me_view(call.db, call.operator),
        csrf_token=call.console_session.csrf_token,
    )


@routes.route(
    "PUT",
    "/api/me/presence",
    summary="Set my presence: online (takes chats), away or offline",
    role=Role.OPERATOR,
    input=PresenceInput,
    response=Me,
)
async def set_presence(call: Call[PresenceInput]) -> Me:
    """Change presence through the service (it wakes auto-assignment)."""
    await call.request.app[HANDOFF].desk.set_presence(call.db, call.operator, call.data.presence)
    return await me_view(call.db, call.operator)
