"""A database outage is logged once per component, and webhooks answer it with 503.

While PostgreSQL restarts every worker pass and every webhook fails the same way; a traceback
for each would bury the one line that matters. Each component logs one WARNING when it loses
the database and one INFO when it has it back. A webhook that cannot store the message answers
503 with `Retry-After`, so the channel (Telegram, Viber) sends it again: nothing is lost.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

# Errors that mean "the database is not answering now", not "this query is wrong".
_OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


def is_database_outage(error: BaseException) -> bool:
    """True for connection-level failures (refused, reset, the server starting or shutting
    down), False for errors of the statement itself (constraints, syntax)."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.IntegrityError | sa_exc.ProgrammingError | sa_exc.DataError):
        return False
    if isinstance(error, _OUTAGE_ERRORS):
        return True
    # asyncpg's "the database system is starting up" / "terminating connection" arrive as a
    # plain DBAPIError whose cause is one of asyncpg's connection errors
    cause = error.__cause__ or getattr(error, "orig", None)
    name = type(cause).__name__ if cause is not None else ""
    return isinstance(error, sa_exc.DBAPIError) and (
        "Connection" in name or "CannotConnectNow" in name or "AdminShutdown" in name
    )


class OutageLog:
    """Remembers whether one component has lost the database; logs only the changes."""

    def __init__(self, component: str, logger: logging.Logger | None = None) -> None:
        self.component = component
        self.down = False
        self._log = logger or log

    def absorb(self, error: BaseException) -> bool:
        """True (logged once per outage) when `error` is a database outage; False otherwise."""
        if not is_database_outage(error):
            return False
        if not self.down:
            self.down = True
            self._log.warning(
                "database unavailable",
                extra={"component": self.component, "reason": type(error).__name__},
            )
        return True

    def recovered(self) -> None:
        """A pass of the component reached the database again."""
        if self.down:
            self.down = False
            self._log.info("database available again", extra={"component": self.component})


def database_outage_middleware(outage: OutageLog, retry_after_s: int = 5) -> Middleware:
    """503 + Retry-After for any request the database could not serve; other errors pass."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException:
            raise
        except Exception as error:
            if not outage.absorb(error):
                raise
            return web.json_response(
                {"error": "temporarily unavailable"},
                status=503,
                headers={"Retry-After": str(retry_after_s)},
            )
        if outage.down and request.method == "POST":
            outage.recovered()
        return response

    return middleware
