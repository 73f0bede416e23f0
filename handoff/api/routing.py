"""Console API routes declared once: method, path, minimum role, input, response, summary.

A route module makes a `RouteTable` and decorates its handlers; `handoff.api.pipeline` wraps
every handler so the session, the role and the CSRF token are checked and the input validated
before it runs (a route cannot forget its checks), and `handoff.api.openapi` describes the same
declarations as the OpenAPI 3.1 document served at `GET /api/openapi.json`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.console.texts import console_text
from handoff.models import ConsoleSession, Operator
from handoff.operators.permissions import RouteRole

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PATH_PARAM = re.compile(r"\{(\w+)\}")
# path parameters by name: ids are integers, group codes are strings
PATH_PARAM_TYPES: dict[str, type] = {"id": int, "line_id": int, "code": str}

In = TypeVar("In", bound=BaseModel)


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
