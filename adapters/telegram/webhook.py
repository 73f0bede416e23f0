"""`POST /telegram/webhook`: authenticate, parse, store in the inbox, then answer 200.

`setup_telegram` wires the whole channel: the sender, and either this webhook (registered with
`setWebhook` when PUBLIC_URL is set) or the long-polling loop (`TELEGRAM_MODE=polling`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Literal

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from adapters.ratelimit import SendRateLimiter
from adapters.startup import keep_trying
from adapters.telegram.callbacks import CallbackRegistry
from adapters.telegram.files import TelegramFiles
from adapters.telegram.intake import ALLOWED_UPDATES, UpdateIntake
from adapters.telegram.polling import TelegramPoller
from adapters.telegram.sender import TelegramSender, create_bot
from adapters.telegram.typing import TYPING_DELAY_S, TypingIndicator
from bot.attachments import AttachmentFetchers
from bot.inbox import Inbox
from bot.outbox import Outbox

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
DEFAULT_MAX_BYTES = 256 * 1024
HANDLED = frozenset(ALLOWED_UPDATES)


class TelegramWebhook:
    """The webhook handler; every failure before storing answers 4xx, never a 5xx for bad input."""

    def __init__(
        self,
        bot: Bot,
        inbox: Inbox,
        callbacks: CallbackRegistry,
        secret: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        typing: TypingIndicator | None = None,
    ) -> None:
        self.bot = bot
        self.intake = UpdateIntake(bot, inbox, callbacks, typing)
        self._secret = secret.encode()
        self.max_bytes = max_bytes

    async def handle(self, request: web.Request) -> web.Response:
        """One update from Telegram."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not self._secret or not secrets.compare_digest(given, self._secret):
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        if request.content_length is not None and request.content_length > self.max_bytes:
            return web.json_response({"ok": False, "error": "too large"}, status=413)
        body = bytearray()
        while chunk := await request.content.read(64 * 1024):
            body += chunk
            if len(body) > self.max_bytes:
                return web.json_response({"ok": False, "error": "too large"}, status=413)
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            update_id = data.get("update_id")
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                raise TypeError("update_id must be an integer")
            if not HANDLED.intersection(data):
                # poll answers, member changes, types newer than aiogram...: ignore, don't validate
                return web.json_response({"ok": True})
            update = Update.model_validate(data, context={"bot": self.bot})
            message = self.intake.parse(update)
        except (ValueError, TypeError, ValidationError, RecursionError):
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        await self.intake.store(update, message)  # a duplicate is acknowledged too
        return web.json_response({"ok": True})


def webhook_url(public_url: str) -> str:
    """Where Telegram should post updates, given the app's public base URL."""
    return public_url.rstrip("/") + WEBHOOK_PATH


def setup_telegram(
    app: web.Application,
    *,
    token: str,
    secret: str,
    api_url: str,
    inbox: Inbox,
    outbox: Outbox,
    max_bytes: int = DEFAULT_MAX_BYTES,
    mode: Literal["webhook", "polling"] = "webhook",
    public_url: str | None = None,
    attachments: AttachmentFetchers | None = None,
    limiter: SendRateLimiter | None = None,
) -> TelegramSender:
    """Create the Bot and the sender; serve the webhook (or poll); close everything with the app.

    Webhook mode registers `POST /telegram/webhook` and, when `public_url` is set, calls
    `setWebhook` (secret token, allowed updates) in the background once the app starts.
    Polling mode registers no route and runs `TelegramPoller` beside the app. Citizens' files
    are fetched through the same Bot (`attachments`).
    """
    bot = create_bot(token, api_url)
    callbacks = CallbackRegistry()
    typing = TypingIndicator(bot, delay_s=TYPING_DELAY_S)
    sender = TelegramSender(bot, callbacks, limiter=limiter or SendRateLimiter(), typing=typing)
    outbox.register(sender)
    if attachments is not None:
        attachments.register(TelegramFiles(bot))
    background: list[tuple[str, Callable[[], Awaitable[None]]]] = []
    if mode == "polling":
        poller = TelegramPoller(UpdateIntake(bot, inbox, callbacks, typing))
        background.append(("telegram-polling", poller.run_forever))
    else:
        if not secret:
            log.warning("TELEGRAM_WEBHOOK_SECRET is not set: every webhook call will be refused")
        webhook = TelegramWebhook(bot, inbox, callbacks, secret, max_bytes=max_bytes, typing=typing)
        app.router.add_post(WEBHOOK_PATH, webhook.handle)
        if public_url:
            url = webhook_url(public_url)

            async def register() -> None:
                await keep_trying(
                    "telegram setWebhook",
                    lambda: bot.set_webhook(
                        url,
                        secret_token=secret or None,
                        allowed_updates=ALLOWED_UPDATES,
                        drop_pending_updates=False,
                    ),
                )

            background.append(("telegram-set-webhook", register))

    async def _run(start: Callable[[], Awaitable[None]]) -> None:
        await start()

    async def _lifetime(_: web.Application) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_run(start), name=name) for name, start in background]
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await typing.close()
        await bot.session.close()

    app.cleanup_ctx.append(_lifetime)
    return sender
