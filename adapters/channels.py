"""`setup_channels`: every messenger whose token is configured, wired into the app."""

from __future__ import annotations

from aiohttp import web

from adapters.ratelimit import Buckets, LocalBuckets, SendRateLimiter
from adapters.telegram import setup_telegram
from adapters.viber import setup_viber
from adapters.viber.webhook import Freshness
from bot.attachments import AttachmentFetchers
from bot.inbox import Inbox
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.settings import Settings


def _limiter(channel: str, per_s: float, settings: Settings, buckets: Buckets) -> SendRateLimiter:
    return SendRateLimiter(
        channel=channel,
        chat_burst=settings.chat_burst,
        chat_per_s=settings.chat_per_s,
        per_second=per_s,
        buckets=buckets,
    )


def setup_channels(
    app: web.Application,
    settings: Settings,
    inbox: Inbox,
    outbox: Outbox,
    metrics: Metrics | None = None,
    attachments: AttachmentFetchers | None = None,
    buckets: Buckets | None = None,
) -> list[str]:
    """Register Telegram (webhook or polling) and Viber when their tokens are set.

    Each channel starts and stops what it needs (webhook registration, the polling loop, HTTP
    sessions) through `app.cleanup_ctx`, and registers how to fetch citizens' files back in
    `attachments`. Each sender gets its rate limits from the settings, counted in `buckets`
    (Redis: one budget for all instances). Returns the names of the channels it set up.
    """
    buckets = buckets or LocalBuckets()
    channels: list[str] = []
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
            mode=settings.telegram_mode,
            public_url=settings.public_url,
            attachments=attachments,
            limiter=_limiter("telegram", settings.telegram_per_s, settings, buckets),
        )
        channels.append("telegram")
    if settings.viber_token is not None:
        setup_viber(
            app,
            token=settings.viber_token.get_secret_value(),
            api_url=settings.viber_api_url,
            bot_name=settings.viber_bot_name,
            avatar=settings.viber_bot_avatar,
            inbox=inbox,
            outbox=outbox,
            public_url=settings.public_url,
            metrics=metrics,
            max_bytes=settings.max_inbound_bytes,
            attachments=attachments,
            media_hosts=settings.viber_media_hosts,
            freshness=Freshness(settings.viber_max_age_s, settings.viber_max_skew_s),
            limiter=_limiter("viber", settings.viber_per_s, settings, buckets),
        )
        channels.append("viber")
    return channels
