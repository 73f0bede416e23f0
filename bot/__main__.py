"""`python -m bot`: start the app (web chat, webhooks, console, workers) on APP_PORT."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app import create_app
from bot.logging import configure_logging
from bot.settings import load_settings, production_problems


def main() -> None:
    """Read settings, set up logging, serve until interrupted."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    log = logging.getLogger("bot")
    problems = production_problems(settings)
    if problems:
        for problem in problems:
            log.critical("refusing to start: %s", problem)
        raise SystemExit(2)
    app = create_app(settings)  # a coroutine: run_app awaits it inside its loop
    log.info(
        "app starting",
        extra={"web_chat": f"http://localhost:{settings.app_port}/", "rasa": settings.rasa_url},
    )
    web.run_app(app, host=settings.app_host, port=settings.app_port, print=None)


if __name__ == "__main__":
    main()
