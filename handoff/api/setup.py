"""The operator console's JSON API under `/api/` (described at `/api/openapi.json`).

Routes live in `handoff/routes/` by area; each is declared once (`handoff/api/routing.py`) and
the pipeline (`handoff/api/pipeline.py`) enforces the session, the role and the CSRF token.
Other packages' consoles (review, publishing) bring their own route tables, which the
composition root passes in; handoff does not know them.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from handoff.api.pipeline import ApiRoutes
from handoff.api.routing import RouteTable
from handoff.console.texts import console_text
from handoff.errors import ChatConflict, ChatNotFound, NotAllowed
from handoff.operators.accounts import LastAdmin, LoginTaken, UnknownGroup
from handoff.routes import admin, chats, live, privacy, session, supervision

TITLE = "Госпомощник: консоль оператора"
VERSION = "1.0"


def console_api(extensions: Sequence[RouteTable] = ()) -> ApiRoutes:
    """Every route of the console API (handoff's, then `extensions`), in the document's order."""
    return ApiRoutes(
        TITLE,
        VERSION,
        [
            session.routes,
            chats.routes,
            privacy.routes,
            live.routes,
            supervision.routes,
            admin.routes,
            *extensions,
        ],
    )


def setup_console_api(app: web.Application, extensions: Sequence[RouteTable] = ()) -> ApiRoutes:
    """Register the API with the app; it needs SESSIONS, SETTINGS and HANDOFF in the app keys."""
    live.setup_live(app)
    api = console_api(extensions)
    api.setup(
        app,
        {
            ChatNotFound: (404, console_text("chat_missing")),
            ChatConflict: (409, console_text("chat_conflict")),
            NotAllowed: (403, console_text("chat_not_yours")),
            LoginTaken: (409, console_text("login_taken")),
            LastAdmin: (409, console_text("last_admin")),
            UnknownGroup: (400, console_text("unknown_group")),
        },
    )
    return api
