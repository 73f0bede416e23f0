"""The request pipeline of every console API route: session, role, CSRF, input, transaction.

`ApiRoutes.setup` registers each declared route with aiohttp behind this pipeline, so a handler
runs only for an authorised caller with validated input, inside one transaction that a refusal
rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keys import SESSIONS
from bot.storage import session_scope, utcnow
from handoff.api.openapi import openapi_document
from handoff.api.routing import (
    SAFE_METHODS,
    ApiError,
    Call,
    FileBody,
    NoInput,
    Route,
    RouteTable,
    SocketCall,
    SocketHandler,
    error_response,
)
from handoff.console.texts import console_text
from handoff.models import ConsoleSession, Operator
from handoff.operators.auth import COOKIE, CSRF_HEADER, csrf_ok, current_session
from handoff.operators.permissions import may_use


class ApiRoutes:
    """The whole API: registers the tables' routes with aiohttp and describes them in OpenAPI."""

    def __init__(self, title: str, version: str, tables: list[RouteTable]) -> None:
        self.title = title
        self.version = version
        self.routes = [route for table in tables for route in table.routes]

    def setup(
        self,
        app: web.Application,
        refusals: Mapping[type[Exception], tuple[int, str]] | None = None,
    ) -> None:
        """Register every route (and `GET /api/openapi.json`) with the app.

        `refusals` maps the domain's exceptions a handler may raise to an HTTP status and the
        text shown; the transaction is rolled back.
        """
        errors = dict(refusals or {})
        for route in self.routes:
            app.router.add_route(route.method, route.aiohttp_path, self._wrap(route, errors))
        document = self.openapi()

        async def openapi_json(_: web.Request) -> web.Response:
            return web.json_response(document)

        app.router.add_get("/api/openapi.json", openapi_json)

    def _wrap(
        self, route: Route, errors: dict[type[Exception], tuple[int, str]]
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        serializer = TypeAdapter(route.response) if route.response not in (None, FileBody) else None

        async def handle(request: web.Request) -> web.StreamResponse:
            if route.socket_handler is not None:
                return await self._socket(route, route.socket_handler, request)
            try:
                async with session_scope(request.app[SESSIONS]) as db:
                    return await self._run(route, request, db, serializer)
            except ApiError as error:
                return error_response(error.status, error.message, error.errors)
            except tuple(errors) as error:  # the domain's refusals, e.g. a chat taken by another
                status, message = next(
                    answer for kind, answer in errors.items() if isinstance(error, kind)
                )
                return error_response(status, message)

        return handle

    async def _authorise(
        self, route: Route, request: web.Request, db: AsyncSession, now: datetime
    ) -> tuple[Operator, ConsoleSession] | None:
        if route.role is None:
            return None
        found = await current_session(db, request.cookies.get(COOKIE), now)
        if found is None:
            raise ApiError(401, console_text("unauthenticated"))
        operator, console_session = found
        if not may_use(operator.role, route.role):
            raise ApiError(403, console_text("forbidden_role"))
        if route.mutating and not csrf_ok(console_session, request.headers.get(CSRF_HEADER)):
            raise ApiError(403, console_text("csrf"))
        return found

    async def _run(
        self,
        route: Route,
        request: web.Request,
        db: AsyncSession,
        serializer: TypeAdapter[Any] | None,
    ) -> web.StreamResponse:
        now = utcnow()
        found = await self._authorise(route, request, db, now)
        data = await _read_input(route, request)
        caller, console_session = found if found is not None else (None, None)
        assert route.handler is not None
        result = await route.handler(Call(request, db, data, now, caller, console_session))
        if isinstance(result, web.StreamResponse):
            return result
        if result is None or serializer is None:
            return web.Response(status=204)
        body = serializer.dump_python(result, mode="json")
        return web.json_response(body, status=route.status)

    async def _socket(
        self, route: Route, handler: SocketHandler, request: web.Request
    ) -> web.StreamResponse:
        try:
            async with session_scope(request.app[SESSIONS]) as db:
                found = await self._authorise(route, request, db, utcnow())
        except ApiError as error:
            return error_response(error.status, error.message)
        assert found is not None
        return await handler(SocketCall(request, found[0]))

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of every declared route."""
        return openapi_document(self.title, self.version, self.routes)


async def _read_input(route: Route, request: web.Request) -> BaseModel:
    if route.input is NoInput:
        return NoInput()
    try:
        if route.method in SAFE_METHODS:
            return route.input.model_validate(dict(request.query))
        if request.content_type != "application/json":
            raise ApiError(415, console_text("json_required"))
        try:
            raw = await request.json()
        except ValueError as error:
            raise ApiError(400, console_text("malformed_json")) from error
        return route.input.model_validate(raw)
    except ValidationError as error:
        details = json.loads(
            error.json(include_url=False, include_input=False, include_context=False)
        )
        raise ApiError(400, console_text("invalid_input"), details) from error
