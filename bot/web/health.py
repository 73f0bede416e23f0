"""`/healthz` (the process lives), `/readyz` (Rasa and the database answer), `/metrics`."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.keys import METRICS, RASA, SESSIONS


async def healthz(_: web.Request) -> web.Response:
    """Liveness: the event loop answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: 200 only when the database and Rasa (with a model) both answer."""
    database = True
    try:
        async with request.app[SESSIONS]() as session:
            await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        database = False
    rasa = await request.app[RASA].is_ready()
    ready = database and rasa
    return web.json_response(
        {"ready": ready, "database": database, "rasa": rasa}, status=200 if ready else 503
    )


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition."""
    body = request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup_health(app: web.Application) -> None:
    """Register the three routes."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
