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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.channels import setup_channels
from adapters.ratelimit import LocalBuckets, RedisBuckets
from adapters.webchat import WebchatSender, setup_webchat
from bot.attachments import AttachmentFetchers
from bot.facts import FactSigner
from bot.flood import FloodPolicy, OutboxFloodNotice, create_flood_limiter
from bot.inbox import Inbox
from bot.keys import ATTACHMENTS, INBOX, METRICS, OUTBOX, RASA, ROUTER, SESSIONS, SETTINGS
from bot.lifecycle import LIFECYCLE, Lifecycle
from bot.metrics import Metrics
from bot.notifications import StatusNotifier
from bot.outage import OutageLog, database_outage_middleware
from bot.outbox import Outbox
from bot.rasa_client import RasaClient
from bot.retention.job import PurgeLease, RetentionJob
from bot.retention.wiring import DataLifecycle, data_lifecycle
from bot.router import Router
from bot.settings import Settings
from bot.storage import create_engine, create_session_factory, session_scope
from bot.wakeups import RedisWakeups
from bot.web.headers import setup_security_headers
from bot.web.health import setup_health
from handoff.api import setup_console_api
from handoff.config import load_config, seed_groups
from handoff.console.page import setup_console_page
from handoff.desk.canned import load_canned, seed_canned
from handoff.keys import HANDOFF
from handoff.service import HandoffService
from publishing import routes as publishing_routes
from publishing.setup import setup_publishing
from review import content_routes
from review import routes as review_routes
from review.triggers import note_rating, note_turn

log = logging.getLogger(__name__)
ENGINE = web.AppKey("engine", AsyncEngine)
HTTP = web.AppKey("http", aiohttp.ClientSession)
REDIS = web.AppKey("redis", Redis)
NOTIFIER = web.AppKey("notifier", StatusNotifier)
WAKEUPS = web.AppKey("wakeups", RedisWakeups)
RETENTION = web.AppKey("retention", RetentionJob)
DATA_LIFECYCLE = web.AppKey("data_lifecycle", DataLifecycle)
# the editors' pages of the console: their packages' API routes beside handoff's
CONSOLE_EXTENSIONS = (review_routes.routes, content_routes.routes, publishing_routes.routes)


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Database engine and HTTP client live exactly as long as the app."""
    yield
    await app[HTTP].close()
    await app[ENGINE].dispose()
    await app[DATA_LIFECYCLE].tracker.close()
    redis = app.get(REDIS)
    if redis is not None:
        await redis.aclose()


async def _handoff_groups(app: web.Application) -> AsyncIterator[None]:
    """The operator groups of content/handoff.yml (and the first ready answers) exist at start."""
    canned = load_canned(app[SETTINGS].handoff_canned)
    try:
        async with session_scope(app[SESSIONS]) as session:
            added = await seed_groups(session, app[HANDOFF].config)
            answers = await seed_canned(session, canned)
        if added:
            log.info("handoff groups added", extra={"groups": added})
        if answers:
            log.info("canned responses added", extra={"count": len(answers)})
    except IntegrityError:
        log.info("handoff groups seeded by another instance")
    yield


async def _workers(app: web.Application) -> AsyncIterator[None]:
    """The router and the outbox dispatcher (and the Redis wake-up relay) run beside the server.

    On the way out they are stopped before the HTTP sessions close (`_resources` is cleaned up
    after this); `bot.lifecycle.drain` has normally let their work in flight finish already.
    """
    interval = app[SETTINGS].rasa_health_interval_s
    tasks = {
        asyncio.create_task(app[RASA].monitor_forever(interval), name="rasa-health"),
        asyncio.create_task(app[ROUTER].run_forever(), name="router"),
        asyncio.create_task(app[OUTBOX].run_forever(), name="outbox"),
        asyncio.create_task(app[NOTIFIER].run_forever(), name="status-notifier"),
        asyncio.create_task(app[HANDOFF].run_forever(), name="handoff"),
        asyncio.create_task(app[RETENTION].run_forever(), name="retention"),
    }
    wakeups = app.get(WAKEUPS)
    if wakeups is not None:
        tasks.add(asyncio.create_task(wakeups.relay_forever(), name="wakeups"))
    yield
    grace = app[SETTINGS].shutdown_grace_s
    await app[ROUTER].shutdown(grace)  # no-ops when drain() ran
    await app[OUTBOX].shutdown(grace)
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def rasa_urls(settings: Settings) -> list[str]:
    """Every Rasa server the app spreads turns over: RASA_URLS, else RASA_URL."""
    urls = [url.strip() for url in settings.rasa_urls.split(",") if url.strip()]
    return urls or [settings.rasa_url]


def _retention_job(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], lifecycle: DataLifecycle
) -> RetentionJob:
    """Retention purge and forget-me run beside the router (the eraser gets `forget` payloads)."""
    return RetentionJob(
        lifecycle.eraser,
        lifecycle.purge,
        PurgeLease(sessions, settings.instance_name, settings.retention_purge_interval_s),
        settings.erasure_poll_s,
    )


def _inbox(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    metrics: Metrics,
    outbox: Outbox,
    redis: Redis | None,
    wakeups: RedisWakeups | None,
) -> Inbox:
    """The inbox with its flood guard; with Redis a new item wakes every instance's router."""
    flood = FloodPolicy(
        settings.flood_burst, settings.flood_refill_per_s, settings.flood_notice_every_s
    )
    inbox = Inbox(
        sessions,
        partial(wakeups.publish, "inbox") if wakeups else None,
        flood=create_flood_limiter(flood, redis),
        flood_notice=OutboxFloodNotice(outbox),
        on_dropped=lambda m: metrics.messages_dropped.labels(
            channel=m.channel, reason="flood"
        ).inc(),
    )
    if wakeups is not None:
        wakeups.subscribe("inbox", inbox.arrived)
    return inbox


def _router(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    inbox: Inbox,
    outbox: Outbox,
    rasa: RasaClient,
    metrics: Metrics,
    handoff: HandoffService,
    lifecycle: DataLifecycle,
) -> Router:
    """The router with the payloads other packages handle: handoff's and forget-me's."""
    return Router(
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
        facts=FactSigner(settings.facts_signing_key.get_secret_value().encode()),
        custom_handlers={
            "handoff": handoff.intake.on_handoff,
            "csat": handoff.intake.on_csat,
            "leave_queue": handoff.intake.on_leave_queue,
            "forget": lifecycle.eraser.on_forget,
        },
        held_message_handler=handoff.intake.on_citizen_message,
        on_turn=note_turn,
    )


async def create_app(settings: Settings, *, run_workers: bool = True) -> web.Application:
    """Build the whole app (inside the loop that will run it); nothing connects until it starts."""
    app = web.Application(
        client_max_size=settings.max_inbound_bytes,
        middlewares=[database_outage_middleware(OutageLog("webhooks", log))],
    )
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    metrics = Metrics()
    http = aiohttp.ClientSession()
    rasa = RasaClient(
        http,
        rasa_urls(settings),
        settings.rasa_token.get_secret_value(),
        settings.rasa_timeout_s,
        action_server_url=settings.action_server_url,
    )
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    wakeups = RedisWakeups(redis) if redis is not None else None
    outbox = Outbox(
        sessions,
        metrics,
        max_attempts=settings.outbox_max_attempts,
        backoff_max_s=settings.retry_backoff_max_s,
        poll_interval_s=settings.router_poll_interval_s,
    )
    inbox = _inbox(settings, sessions, metrics, outbox, redis, wakeups)
    handoff = HandoffService(
        sessions,
        inbox,
        outbox,
        rasa,
        load_config(settings.handoff_config),
        announce=partial(wakeups.publish, "handoff") if wakeups else None,
        tick_s=settings.handoff_tick_s,
        on_rating=note_rating,
    )
    if wakeups is not None:
        wakeups.subscribe("handoff", handoff.changed)
    lifecycle = data_lifecycle(settings, sessions)
    router = _router(settings, sessions, inbox, outbox, rasa, metrics, handoff, lifecycle)
    app[SETTINGS] = settings
    app[LIFECYCLE] = Lifecycle()
    app[ENGINE] = engine
    app[HTTP] = http
    app[SESSIONS] = sessions
    app[METRICS] = metrics
    app[RASA] = rasa
    app[INBOX] = inbox
    app[OUTBOX] = outbox
    app[ROUTER] = router
    app[HANDOFF] = handoff
    app[NOTIFIER] = StatusNotifier(sessions, outbox, settings.status_poll_interval_s)
    app[DATA_LIFECYCLE] = lifecycle
    app[RETENTION] = _retention_job(settings, sessions, lifecycle)
    if redis is not None and wakeups is not None:
        app[REDIS] = redis
        app[WAKEUPS] = wakeups

    webchat = WebchatSender()
    outbox.register(webchat)
    setup_webchat(app, inbox, webchat, sessions, metrics, settings.webchat_allowed_origins)
    app[ATTACHMENTS] = AttachmentFetchers()
    buckets = RedisBuckets(redis) if redis is not None else LocalBuckets()
    setup_channels(app, settings, inbox, outbox, metrics, app[ATTACHMENTS], buckets)
    setup_health(app)
    setup_security_headers(app, settings)
    setup_console_api(app, CONSOLE_EXTENSIONS)
    setup_console_page(app)
    setup_publishing(app, settings, http, follow=run_workers)
    app.cleanup_ctx.append(_resources)
    app.cleanup_ctx.append(_handoff_groups)
    if run_workers:
        app.cleanup_ctx.append(_workers)
    return app
