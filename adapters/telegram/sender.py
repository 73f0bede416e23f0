"""`TelegramSender`: the outbox's channel sender over an aiogram 3 `Bot`."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods.base import Response
from aiogram.types import File, Message

from adapters.ratelimit import SendRateLimiter
from adapters.telegram.callbacks import CallbackRegistry
from adapters.telegram.parse import CHANNEL
from adapters.telegram.render import render
from adapters.telegram.typing import TypingIndicator
from bot.delivery import Delivery, DeliveryFailed, RetryLater
from bot.messages import OutboundMessage

# pydantic caches parametrised generic models weakly: unless something holds aiogram's
# `Response[Message]` and `Response[bool]`, each garbage collection drops them and the next Bot API
# answer builds the model class again (`create_generic_submodel`, 12 % of the app's CPU per turn
# in bench/PROFILE.md). Holding them here makes every answer hit the cache.
BOT_API_RESPONSES = (Response[Message], Response[bool], Response[File])


def create_bot(token: str, api_url: str) -> Bot:
    """A Bot whose HTTP session talks to `api_url` (Telegram's or a local Bot API server)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


class TelegramSender:
    """Renders and sends one outbox item; maps Bot API errors to RetryLater / DeliveryFailed.

    A message split into several parts is resumed where it stopped when a retry comes
    (progress per outbox id, kept in memory), so no part is sent twice by this process.
    Every call waits for the rate limiter (a short burst per chat, then ~1/s; 30/s overall).
    """

    channel = CHANNEL

    def __init__(
        self,
        bot: Bot,
        callbacks: CallbackRegistry,
        *,
        limiter: SendRateLimiter | None = None,
        typing: TypingIndicator | None = None,
    ) -> None:
        self.bot = bot
        self.callbacks = callbacks
        self.limiter = limiter
        self.typing = typing
        self._progress: dict[int, int] = {}

    async def send(self, chat_id: str, message: OutboundMessage, delivery: Delivery) -> None:
        """Send every part not yet sent for this delivery."""
        parts = render(message, self.callbacks)
        done = self._progress.get(delivery.outbox_id, 0)
        if self.typing is not None:
            self.typing.stop(chat_id)
        for index in range(done, len(parts)):
            part = parts[index]
            if self.limiter is not None:
                await self.limiter.wait(chat_id)
            try:
                if part.photo is not None:
                    await self.bot.send_photo(chat_id, part.photo)
                else:
                    await self.bot.send_message(chat_id, part.text, reply_markup=part.markup)
            except TelegramRetryAfter as exc:
                raise RetryLater(f"telegram 429: {exc.message}", float(exc.retry_after)) from exc
            except (TelegramServerError, TelegramNetworkError) as exc:
                raise RetryLater(f"telegram: {exc.message}") from exc
            except TelegramAPIError as exc:
                if exc.message.startswith("Too Many Requests"):  # a 429 without retry_after
                    raise RetryLater(f"telegram 429: {exc.message}") from exc
                self._progress.pop(delivery.outbox_id, None)
                raise DeliveryFailed(f"telegram: {exc.message}") from exc
            self._progress[delivery.outbox_id] = index + 1
        self._progress.pop(delivery.outbox_id, None)
