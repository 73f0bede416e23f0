"""`POST /telegram/webhook`: authenticate, parse, store in the inbox, then answer 200."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from adapters.telegram.callbacks import CallbackRegistry
from adapters.telegram.parse import parse_update
from adapters.telegram.sender import TelegramSender, create_bot
from bot.inbox import Inbox
from bot.outbox import Outbox

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
DEFAULT_MAX_BYTES = 256 * 1024
HANDLED = frozenset({"message", "edited_message", "callback_query"})


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
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.callbacks = callbacks
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
            message = parse_update(update, self.callbacks)
        except (ValueError, TypeError, ValidationError, RecursionError):
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        if message is not None:
            await self.inbox.accept(message)  # a duplicate is acknowledged too
        if update.callback_query is not None:
            with contextlib.suppress(TelegramAPIError):
                # short timeout: a slow Bot API must not hold Telegram's webhook call
                await self.bot.answer_callback_query(update.callback_query.id, request_timeout=5)
        return web.json_response({"ok": True})


def setup_telegram(
    app: web.Application,
    *,
    token: str,
    secret: str,
    api_url: str,
    inbox: Inbox,
    outbox: Outbox,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> TelegramSender:
    """Create the Bot, register the sender and the webhook route, close the Bot with the app."""
    if not secret:
        log.warning("TELEGRAM_WEBHOOK_SECRET is not set: every webhook call will be refused")
    bot = create_bot(token, api_url)
    callbacks = CallbackRegistry()
    sender = TelegramSender(bot, callbacks)
    outbox.senders[sender.channel] = sender
    webhook = TelegramWebhook(bot, inbox, callbacks, secret, max_bytes=max_bytes)
    app.router.add_post(WEBHOOK_PATH, webhook.handle)

    async def _close_bot(_: web.Application) -> AsyncIterator[None]:
        yield
        await bot.session.close()

    app.cleanup_ctx.append(_close_bot)
    return sender
