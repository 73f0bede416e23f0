"""The app factory: wires settings → database → Rasa client → inbox/router/outbox → channels."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from functools import partial

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.telegram import setup_telegram
from adapters.webchat import WebchatSender, setup_webchat
from bot.inbox import Inbox
from bot.keys import INBOX, METRICS, OUTBOX, RASA, ROUTER, SESSIONS, SETTINGS
from bot.metrics import Metrics
from bot.notifications import StatusNotifier
from bot.outbox import Outbox
from bot.rasa_client import RasaClient
from bot.router import Router
from bot.settings import Settings
from bot.storage import create_engine, create_session_factory
from bot.wakeups import RedisWakeups
from bot.web.health import setup_health

log = logging.getLogger(__name__)
ENGINE = web.AppKey("engine", AsyncEngine)
HTTP = web.AppKey("http", aiohttp.ClientSession)
REDIS = web.AppKey("redis", Redis)
NOTIFIER = web.AppKey("notifier", StatusNotifier)
WAKEUPS = web.AppKey("wakeups", RedisWakeups)


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Database engine and HTTP client live exactly as long as the app."""
    yield
    await app[HTTP].close()
    await app[ENGINE].dispose()
    redis = app.get(REDIS)
    if redis is not None:
        await redis.aclose()


async def _workers(app: web.Application) -> AsyncIterator[None]:
    """The router and the outbox dispatcher (and the Redis wake-up relay) run beside the server."""
    tasks = {
        asyncio.create_task(app[ROUTER].run_forever(), name="router"),
        asyncio.create_task(app[OUTBOX].run_forever(), name="outbox"),
        asyncio.create_task(app[NOTIFIER].run_forever(), name="status-notifier"),
    }
    wakeups = app.get(WAKEUPS)
    if wakeups is not None:
        tasks.add(asyncio.create_task(wakeups.relay_forever(), name="wakeups"))
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def create_app(settings: Settings, *, run_workers: bool = True) -> web.Application:
    """Build the whole app (inside the loop that will run it); nothing connects until it starts."""
    app = web.Application(client_max_size=settings.max_inbound_bytes)
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    metrics = Metrics()
    http = aiohttp.ClientSession()
    rasa = RasaClient(
        http, settings.rasa_url, settings.rasa_token.get_secret_value(), settings.rasa_timeout_s
    )
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    wakeups = RedisWakeups(redis) if redis is not None else None
    inbox = Inbox(sessions, partial(wakeups.publish, "inbox") if wakeups else None)
    if wakeups is not None:
        wakeups.subscribe("inbox", inbox.arrived)
    outbox = Outbox(
        sessions,
        metrics,
        max_attempts=settings.outbox_max_attempts,
        backoff_max_s=settings.retry_backoff_max_s,
        poll_interval_s=settings.router_poll_interval_s,
    )
    router = Router(
        sessions,
        inbox,
        outbox,
        rasa,
        metrics,
        instance=settings.instance_name,
        lease_s=settings.router_lease_s,
        poll_interval_s=settings.router_poll_interval_s,
        backoff_max_s=settings.retry_backoff_max_s,
        max_text_chars=settings.max_text_chars,
    )
    app[SETTINGS] = settings
    app[ENGINE] = engine
    app[HTTP] = http
    app[SESSIONS] = sessions
    app[METRICS] = metrics
    app[RASA] = rasa
    app[INBOX] = inbox
    app[OUTBOX] = outbox
    app[ROUTER] = router
    app[NOTIFIER] = StatusNotifier(sessions, outbox, settings.router_poll_interval_s)
    if redis is not None and wakeups is not None:
        app[REDIS] = redis
        app[WAKEUPS] = wakeups

    webchat = WebchatSender()
    outbox.senders[webchat.channel] = webchat
    setup_webchat(app, inbox, webchat, sessions, metrics, settings.webchat_allowed_origins)
    if settings.telegram_token is not None:
        secret = settings.telegram_webhook_secret
        setup_telegram(
            app,
            token=settings.telegram_token.get_secret_value(),
            secret=secret.get_secret_value() if secret is not None else "",
            api_url=settings.telegram_api_url,
            inbox=inbox,
            outbox=outbox,
            max_bytes=settings.max_inbound_bytes,
        )
    setup_health(app)
    app.cleanup_ctx.append(_resources)
    if run_workers:
        app.cleanup_ctx.append(_workers)
    return app
