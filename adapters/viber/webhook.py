"""`POST /viber/webhook`: size check, signature check, parse, store in the inbox, then 200.

The signature (`X-Viber-Content-Signature`, HMAC-SHA256 of the raw body keyed by the token) is
verified in constant time before the body is parsed at all. A signed body is then accepted only
while its `timestamp` is fresh (`Freshness`): a captured callback cannot be replayed later.

`conversation_started` is answered with the welcome message in the HTTP response body: that is
the only moment Viber lets a bot speak to someone who has not subscribed yet (`send_message` to
them fails with "receiver not subscribed"), and it needs no Rasa round trip, so it cannot be
lost in a queue. Every other reply goes through the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from adapters.ratelimit import SendRateLimiter
from adapters.startup import keep_trying
from adapters.viber.client import ViberApi
from adapters.viber.files import DEFAULT_MEDIA_HOSTS, ViberFiles
from adapters.viber.parse import MalformedEvent, parse_event
from adapters.viber.render import welcome
from adapters.viber.sender import ViberSender
from adapters.viber.tracking import Tracking
from bot.attachments import AttachmentFetchers
from bot.inbox import Inbox
from bot.metrics import Metrics
from bot.outbox import Outbox

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/viber/webhook"
SIGNATURE_HEADER = "X-Viber-Content-Signature"
DEFAULT_MAX_BYTES = 256 * 1024


def signature(token: str, body: bytes) -> str:
    """The hex HMAC-SHA256 Viber puts in `X-Viber-Content-Signature`."""
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Freshness:
    """How old (or how far ahead of our clock) a signed callback's `timestamp` may be."""

    max_age_s: float = 300.0
    max_skew_s: float = 60.0
    clock: Callable[[], float] = time.time

    def fresh(self, timestamp: object) -> bool:
        """True for a millisecond epoch `timestamp` inside the window."""
        if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
            return False
        if not math.isfinite(timestamp):
            return False
        age = self.clock() - timestamp / 1000
        return -self.max_skew_s <= age <= self.max_age_s


class ViberWebhook:
    """The webhook handler: 413 / 403 / 400 for bad input, never a 5xx; 200 once stored."""

    def __init__(
        self,
        inbox: Inbox,
        sender: ViberSender,
        token: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        outbox: Outbox | None = None,
        freshness: Freshness | None = None,
    ) -> None:
        self.inbox = inbox
        self.freshness = freshness
        self.outbox = outbox
        self.sender = sender
        self.tracking: Tracking = sender.tracking
        self._token = token
        self.max_bytes = max_bytes

    async def _body(self, request: web.Request) -> bytes | None:
        if request.content_length is not None and request.content_length > self.max_bytes:
            return None
        body = bytearray()
        while chunk := await request.content.read(64 * 1024):
            body += chunk
            if len(body) > self.max_bytes:
                return None
        return bytes(body)

    async def handle(self, request: web.Request) -> web.Response:
        """One callback from Viber."""
        body = await self._body(request)
        if body is None:
            return web.json_response({"status": "too large"}, status=413)
        given = request.headers.get(SIGNATURE_HEADER, "").strip().lower().encode()
        expected = signature(self._token, body).encode()
        if not self._token or not hmac.compare_digest(given, expected):
            return web.json_response({"status": "forbidden"}, status=403)
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise MalformedEvent("a callback is a JSON object")
        except (ValueError, TypeError, RecursionError):
            return web.json_response({"status": "malformed"}, status=400)
        if self.freshness is not None and not self.freshness.fresh(data.get("timestamp")):
            log.warning("viber callback refused: timestamp outside the freshness window")
            return web.json_response({"status": "stale"}, status=403)
        try:
            event = parse_event(data, self.tracking)
        except (ValueError, TypeError, RecursionError):
            return web.json_response({"status": "malformed"}, status=400)
        if event.message is not None:
            await self.inbox.accept(event.message)  # a duplicate message_token is acknowledged too
        elif event.event == "conversation_started" and event.user_id is not None:
            return web.json_response(
                welcome(sender=self.sender.sender, tracking=self.tracking, user_id=event.user_id),
                dumps=_dumps,
            )
        elif event.event == "failed":
            outbox_id = self.sender.record_failure(event.message_token, event.description)
            if outbox_id is not None and self.outbox is not None:
                await self.outbox.mark_failed(outbox_id, f"viber failed: {event.description}")
        elif event.event in ("subscribed", "unsubscribed"):
            log.info("viber subscription changed", extra={"event": event.event})
        return web.Response(status=200)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def webhook_url(public_url: str) -> str:
    """Where Viber should post callbacks, given the app's public base URL."""
    return public_url.rstrip("/") + WEBHOOK_PATH


def setup_viber(
    app: web.Application,
    *,
    token: str,
    api_url: str,
    bot_name: str,
    inbox: Inbox,
    outbox: Outbox,
    avatar: str | None = None,
    public_url: str | None = None,
    metrics: Metrics | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    attachments: AttachmentFetchers | None = None,
    media_hosts: Sequence[str] = DEFAULT_MEDIA_HOSTS,
    freshness: Freshness | None = None,
    limiter: SendRateLimiter | None = None,
) -> ViberSender:
    """Register the sender and `POST /viber/webhook`; call `set_webhook` once the app serves.

    Viber checks the URL by calling it (event `webhook`) while `set_webhook` is in flight, so the
    call runs in the background and is retried until our server answers. Citizens' media are
    fetched (for `attachments`) only from `media_hosts`. Signed callbacks older than
    `freshness` allows are refused (the default window when none is given).
    """
    api = ViberApi(token, api_url)
    sender = ViberSender(
        api, Tracking(token), name=bot_name, avatar=avatar, metrics=metrics, limiter=limiter
    )
    outbox.register(sender)
    files = ViberFiles(media_hosts)
    if attachments is not None:
        attachments.register(files)
    webhook = ViberWebhook(
        inbox,
        sender,
        token,
        max_bytes=max_bytes,
        outbox=outbox,
        freshness=freshness or Freshness(),
    )
    app.router.add_post(WEBHOOK_PATH, webhook.handle)

    async def register(url: str) -> None:
        await asyncio.sleep(0.2)  # let the server start listening first
        await keep_trying("viber set_webhook", lambda: api.set_webhook(url))

    async def _lifetime(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(register(webhook_url(public_url))) if public_url else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await api.close()
        await files.close()

    app.cleanup_ctx.append(_lifetime)
    return sender
