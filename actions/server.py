"""The rasa_sdk action server for the `actions` package: `python -m actions.server --port 5055`.

It listens on `INTERNAL_HOST` (loopback by default) and runs an action only for a caller that
presents `ACTION_SERVER_TOKEN` — Rasa sends it as the `token` query parameter of every action
call (the `token:` of `action_endpoint` in the endpoints files). `/health` stays open: it says
nothing but "ok", and readiness checks need it.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys
from functools import partial
from typing import Any

from rasa_sdk.constants import DEFAULT_SERVER_PORT
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Request, Sanic, response
from sanic.response import BaseHTTPResponse, HTTPResponse
from sanic.worker.loader import AppLoader

from bot.settings import load_settings, production_problems

log = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})


def caller_authorised(request: Request, token: str) -> bool:
    """True when the request carries the shared token (query `token` or a Bearer header)."""
    given = request.args.get("token") or ""
    header = request.headers.get("Authorization", "")
    if not given and header.startswith("Bearer "):
        given = header[7:]
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


def create_action_app(executor: ActionExecutor, token: str) -> Sanic[Any, Any]:
    """rasa_sdk's app, with the caller checked before any action runs and bodies never echoed."""
    app: Sanic[Any, Any] = create_app_for_serve(executor, cors_origins=[])

    async def authenticate(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or caller_authorised(request, token):
            return None
        log.warning("action call refused: missing or wrong token")
        return response.json({"error": "unauthorised"}, status=401)

    async def scrub_failure(request: Request, answer: BaseHTTPResponse) -> HTTPResponse | None:
        # rasa_sdk's error handler answers with the whole request body — a citizen's tracker —
        # which Rasa would then log; answer with the status alone.
        if answer.status >= 500:
            return response.json({"error": "action failed"}, status=answer.status)
        return None

    app.register_middleware(authenticate, "request")
    app.register_middleware(scrub_failure, "response")
    return app


def main(argv: list[str] | None = None) -> None:
    """Register every action of the package and serve them on the internal address."""
    settings = load_settings()
    parser = argparse.ArgumentParser(description="Госпомощник action server")
    parser.add_argument("--port", type=int, default=DEFAULT_SERVER_PORT)
    parser.add_argument("--host", default=settings.internal_host)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level)
    problems = production_problems(settings)
    if problems:
        for problem in problems:
            log.critical("refusing to start: %s", problem)
        sys.exit(2)
    executor = ActionExecutor()
    executor.register_package("actions")
    token = settings.action_server_token.get_secret_value()
    loader = AppLoader(factory=partial(create_action_app, executor, token))
    app = loader.load()
    app.prepare(host=args.host, port=args.port, workers=1, single_process=True)
    log.info("action server listening on %s:%s", args.host, args.port)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()
