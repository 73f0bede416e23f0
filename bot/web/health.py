"""`/healthz` (the process lives), `/readyz` (it can serve turns now), `/metrics`."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.keys import METRICS, RASA, SESSIONS
from bot.lifecycle import LIFECYCLE


async def healthz(_: web.Request) -> web.Response:
    """Liveness: the event loop answers."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: 200 only when the database, a Rasa instance with a model and the action server
    answer, and the instance is not draining (SIGTERM: 503 at once, so no new work comes)."""
    lifecycle = request.app.get(LIFECYCLE)
    if lifecycle is not None and lifecycle.draining:
        return web.json_response({"ready": False, "draining": True}, status=503)
    database = True
    try:
        async with request.app[SESSIONS]() as session:
            await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        database = False
    rasa = request.app[RASA]
    backends = await rasa.probe()
    ready = database and backends["rasa"] and backends["actions"]
    return web.json_response(
        {
            "ready": ready,
            "draining": False,
            "database": database,
            "rasa": backends["rasa"],
            "rasa_instances": {instance.url: instance.up for instance in rasa.instances},
            "actions": backends["actions"],
        },
        status=200 if ready else 503,
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
