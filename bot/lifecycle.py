"""This instance's life: serving, then draining on SIGTERM, then closing its resources.

Draining comes first so the load balancer stops sending work (`/readyz` answers 503 at once),
the router and the outbox finish what they hold (or hand it back) while the HTTP sessions they
use are still open, and only then does the app close sockets, sessions and the database.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from bot.keys import OUTBOX, ROUTER

log = logging.getLogger(__name__)


class Lifecycle:
    """Whether this instance still takes new work."""

    def __init__(self) -> None:
        self.draining = False


LIFECYCLE = web.AppKey("lifecycle", Lifecycle)


async def drain(app: web.Application, grace_s: float) -> None:
    """Stop taking work and finish (or hand back) what is in flight, within `grace_s`."""
    app[LIFECYCLE].draining = True
    log.info("draining: finishing the turns in flight", extra={"grace_s": grace_s})
    await app[ROUTER].shutdown(grace_s)
    await app[OUTBOX].shutdown(grace_s)


async def serve(app: web.Application, host: str, port: int, grace_s: float) -> None:
    """Serve until SIGTERM or SIGINT, drain, then clean up (sockets, sessions, database)."""
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("app serving", extra={"port": port})
        await stop.wait()
        await drain(app, grace_s)
    finally:
        await runner.cleanup()
        log.info("app stopped")
