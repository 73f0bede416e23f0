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


# SQLSTATEs of a server that is not answering now: connection exceptions (class 08), operator
# intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03 starting up), too many
# connections (53300), a database closed to connections (55000, ALLOW_CONNECTIONS false).
_OUTAGE_SQLSTATES = ("08", "57P", "53300", "55000")


def is_database_outage(error: BaseException) -> bool:
    """True for connection-level failures (refused, reset, the server starting or shutting
    down), False for errors of the statement itself (constraints, syntax)."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if isinstance(sqlstate, str):
            return sqlstate.startswith(_OUTAGE_SQLSTATES)
    if isinstance(error, sa_exc.IntegrityError | sa_exc.ProgrammingError | sa_exc.DataError):
        return False
    return isinstance(error, _OUTAGE_ERRORS)


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
