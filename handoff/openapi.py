"""Console API routes declared once: auth, role, CSRF and validation enforced, OpenAPI built.

Each route names its method, path, the minimum role (None = public), its input model (query
string for GET, JSON body otherwise), its response type and a summary. `ApiRoutes.setup` wraps every
handler so the session, the role and the CSRF token are checked and the input is validated before
the handler runs — a route cannot forget its checks — and the same declarations produce the
OpenAPI 3.1 document served at `GET /api/openapi.json`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, get_args, get_origin

from aiohttp import web
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keys import SESSIONS
from bot.storage import session_scope, utcnow
from handoff.auth import COOKIE, CSRF_HEADER, RouteRole, csrf_ok, current_session, may_use
from handoff.console_texts import console_text
from handoff.models import ConsoleSession, Operator

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PATH_PARAM = re.compile(r"\{(\w+)\}")
# path parameters by name: ids are integers, group codes are strings
PATH_PARAM_TYPES: dict[str, type] = {"id": int, "line_id": int, "code": str}
REF_TEMPLATE = "#/components/schemas/{model}"

In = TypeVar("In", bound=BaseModel)
# what pydantic's `models_json_schema` answers: (model, mode) -> {"$ref": ...}
Refs = Mapping[tuple[Any, JsonSchemaMode], dict[str, Any]]


class NoInput(BaseModel):
    """The input of a route that takes none."""

    model_config = ConfigDict(extra="forbid")


class FileBody:
    """The response of a route that answers with a file (its own content type), not JSON."""


class ErrorBody(BaseModel):
    """Every refusal: a message for the operator, and for a 400 the fields that were wrong."""

    error: str
    errors: list[dict[str, Any]] | None = None


class ApiError(Exception):
    """Raised by a handler to answer with an error status; the transaction is rolled back."""

    def __init__(
        self, status: int, message: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def error_response(
    status: int, message: str, errors: list[dict[str, Any]] | None = None
) -> web.Response:
    """The JSON body every error has: `{"error": "..."}`."""
    body = ErrorBody(error=message, errors=errors).model_dump(mode="json", exclude_none=True)
    return web.json_response(body, status=status)


@dataclass
class Call(Generic[In]):
    """What a handler gets: the request, an open transaction, the caller and the validated input."""

    request: web.Request
    db: AsyncSession
    data: In
    now: datetime
    caller: Operator | None
    console_session: ConsoleSession | None

    @property
    def operator(self) -> Operator:
        """The logged-in operator (every non-public route has one)."""
        if self.caller is None:
            raise ApiError(401, console_text("unauthenticated"))
        return self.caller

    def path_int(self, name: str) -> int:
        """An integer path parameter (the route pattern only matches digits)."""
        return int(self.request.match_info[name])

    def path_str(self, name: str) -> str:
        """A string path parameter."""
        return self.request.match_info[name]


@dataclass
class SocketCall:
    """What a websocket handler gets: the request and the authenticated operator (detached)."""

    request: web.Request
    operator: Operator


Handler = Callable[[Call[Any]], Awaitable[Any]]
SocketHandler = Callable[[SocketCall], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    """One declared route."""

    method: str
    path: str
    summary: str
    role: RouteRole | None
    input: type[BaseModel]
    response: Any  # a pydantic model, list[Model], or None for 204
    status: int
    errors: tuple[int, ...]
    handler: Handler | None = None
    socket_handler: SocketHandler | None = None

    @property
    def mutating(self) -> bool:
        """Whether the route needs the CSRF header."""
        return self.method not in SAFE_METHODS

    @property
    def path_params(self) -> list[str]:
        """Names of the path's parameters, in order."""
        return _PATH_PARAM.findall(self.path)

    @property
    def aiohttp_path(self) -> str:
        """The path with integer parameters restricted to digits."""
        return _PATH_PARAM.sub(
            lambda m: f"{{{m[1]}:\\d+}}" if PATH_PARAM_TYPES.get(m[1], str) is int else m[0],
            self.path,
        )


class RouteTable:
    """Declarations of one area of the API (session, chats, admin), made with decorators."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        role: RouteRole | None,
        input: type[In],
        response: Any,
        status: int = 200,
        errors: tuple[int, ...] = (),
    ) -> Callable[[Callable[[Call[In]], Awaitable[Any]]], Callable[[Call[In]], Awaitable[Any]]]:
        """Declare a JSON route; the handler returns a model, a list, None or a response."""

        def register(
            handler: Callable[[Call[In]], Awaitable[Any]],
        ) -> Callable[[Call[In]], Awaitable[Any]]:
            self.routes.append(
                Route(method, path, summary, role, input, response, status, errors, handler)
            )
            return handler

        return register

    def websocket(
        self, path: str, *, summary: str, role: RouteRole
    ) -> Callable[[SocketHandler], SocketHandler]:
        """Declare a websocket route (GET, session required)."""

        def register(handler: SocketHandler) -> SocketHandler:
            self.routes.append(
                Route("GET", path, summary, role, NoInput, None, 101, (), socket_handler=handler)
            )
            return handler

        return register


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
        wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
        for route in self.routes:
            if route.input is not NoInput:
                wanted.append((route.input, "validation"))
            model = _model_of(route.response)
            if model is not None:
                wanted.append((model, "serialization"))
        refs, definitions = models_json_schema(
            list(dict.fromkeys(wanted)), ref_template=REF_TEMPLATE
        )
        paths: dict[str, dict[str, Any]] = {}
        for route in self.routes:
            paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "paths": paths,
            "components": {
                "schemas": definitions.get("$defs", {}),
                "securitySchemes": {
                    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": COOKIE},
                    "csrfToken": {"type": "apiKey", "in": "header", "name": CSRF_HEADER},
                },
            },
        }


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


def _model_of(response: Any) -> type[BaseModel] | None:
    if isinstance(response, type) and issubclass(response, BaseModel):
        return response
    if get_origin(response) is list:
        (item,) = get_args(response)
        return _model_of(item)
    return None


def _schema_of(response: Any, refs: Refs) -> Any:
    if get_origin(response) is list:
        (item,) = get_args(response)
        return {"type": "array", "items": _schema_of(item, refs)}
    return refs[(response, "serialization")]


_ERROR_DESCRIPTIONS = {
    400: "invalid input",
    401: "no valid session",
    403: "role too low, missing CSRF token, or not this operator's chat",
    404: "not found",
    409: "conflict: taken by someone else, or not in a state that allows it",
    413: "too large",
    415: "the body must be JSON",
    423: "account locked after too many failed logins",
    502: "the messenger did not give what was asked for",
}


def _operation(route: Route, refs: Refs) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": _operation_id(route),
        "summary": route.summary,
        "x-min-role": route.role.value if route.role is not None else "public",
    }
    if route.role is None:
        operation["security"] = []
    elif route.mutating:
        operation["security"] = [{"sessionCookie": [], "csrfToken": []}]
    else:
        operation["security"] = [{"sessionCookie": []}]
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if PATH_PARAM_TYPES.get(name, str) is int else "string"},
        }
        for name in route.path_params
    ]
    if route.input is not NoInput and route.method in SAFE_METHODS:
        schema = route.input.model_json_schema()
        for name, field in schema.get("properties", {}).items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in schema.get("required", []),
                    "schema": field,
                }
            )
    elif route.input is not NoInput:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(route.input, "validation")]}},
        }
    if parameters:
        operation["parameters"] = parameters
    responses: dict[str, Any] = {}
    if route.socket_handler is not None:
        responses["101"] = {"description": "websocket: server pushes queue, lines and chat frames"}
    elif route.response is None:
        responses["204"] = {"description": "done, no content"}
    elif route.response is FileBody:
        responses[str(route.status)] = {
            "description": route.summary,
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    else:
        responses[str(route.status)] = {
            "description": route.summary,
            "content": {"application/json": {"schema": _schema_of(route.response, refs)}},
        }
    codes = set(route.errors)
    if route.input is not NoInput:
        codes.add(400)
        if route.mutating:
            codes.add(415)
    if route.role is not None:
        codes.update({401, 403})
    for code in sorted(codes):
        responses[str(code)] = {
            "description": _ERROR_DESCRIPTIONS.get(code, "error"),
            "content": {"application/json": {"schema": refs[(ErrorBody, "serialization")]}},
        }
    operation["responses"] = responses
    return operation


def _operation_id(route: Route) -> str:
    handler = route.handler or route.socket_handler
    return getattr(handler, "__name__", f"{route.method.lower()}_{route.path}")
