"""`/healthz` (the process lives), `/readyz` (Rasa and the database answer), `/metrics`.

`/metrics` tells how busy the service is and which channels it runs: it answers only the
addresses of `METRICS_ALLOWED_IPS` (loopback by default) or a caller with `METRICS_TOKEN`.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.keys import METRICS, RASA, SESSIONS, SETTINGS

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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


class MetricsGuard:
    """Lets a scraper in by its address or by its bearer token (compared in constant time)."""

    def __init__(self, allowed: Sequence[str], token: str | None) -> None:
        self._networks: list[Network] = [ipaddress.ip_network(a, strict=False) for a in allowed]
        self._bearer = f"Bearer {token}".encode() if token else None

    def allows(self, request: web.Request) -> bool:
        """True for a caller from an allowed network or with the token."""
        given = request.headers.get("Authorization", "").encode()
        if self._bearer is not None and secrets.compare_digest(given, self._bearer):
            return True
        try:
            address = ipaddress.ip_address(request.remote or "")
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self._networks)

    async def metrics(self, request: web.Request) -> web.Response:
        """Prometheus text exposition, or 403."""
        if not self.allows(request):
            return web.json_response({"error": "forbidden"}, status=403)
        body = request.app[METRICS].render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def setup_health(app: web.Application) -> None:
    """Register the three routes (the settings must be in the app already)."""
    settings = app[SETTINGS]
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    guard = MetricsGuard(settings.metrics_allowed_ips, token)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", guard.metrics)
