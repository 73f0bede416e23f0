"""`python -m bot`: start the app (web chat, webhooks, console, workers) on APP_PORT."""

from __future__ import annotations

import asyncio
import logging

from bot.app import create_app
from bot.lifecycle import serve
from bot.logging import configure_logging
from bot.settings import Settings, load_settings, production_problems


async def _run(settings: Settings) -> None:
    app = await create_app(settings)  # inside the loop that runs it
    await serve(app, settings.app_host, settings.app_port, settings.shutdown_grace_s)


def main() -> None:
    """Read settings, set up logging, serve until SIGTERM/SIGINT, then drain and stop."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    log = logging.getLogger("bot")
    problems = production_problems(settings)
    if problems:
        for problem in problems:
            log.critical("refusing to start: %s", problem)
        raise SystemExit(2)
    log.info(
        "app starting",
        extra={"web_chat": f"http://localhost:{settings.app_port}/", "rasa": settings.rasa_url},
    )
    asyncio.run(_run(settings))


if __name__ == "__main__":
    main()
