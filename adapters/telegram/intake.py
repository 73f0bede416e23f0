"""One Telegram update → the inbox: shared by the webhook and the long-polling loop."""

from __future__ import annotations

import asyncio
import contextlib

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import Update

from adapters.telegram.callbacks import CallbackRegistry
from adapters.telegram.parse import parse_update
from adapters.telegram.typing import TypingIndicator
from bot.inbox import Inbox
from bot.messages import InboundMessage

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class UpdateIntake:
    """Parses an update, stores the citizen's turn, shows "typing…", answers button presses."""

    def __init__(
        self,
        bot: Bot,
        inbox: Inbox,
        callbacks: CallbackRegistry,
        typing: TypingIndicator | None = None,
    ) -> None:
        self.bot = bot
        self.inbox = inbox
        self.callbacks = callbacks
        self.typing = typing
        self._answers: set[asyncio.Task[None]] = set()

    def parse(self, update: Update) -> InboundMessage | None:
        """The citizen's turn in the update (None when it carries nothing for the bot)."""
        return parse_update(update, self.callbacks)

    async def store(self, update: Update, message: InboundMessage | None) -> None:
        """Persist the turn (a duplicate is ignored), then the cosmetic follow-ups."""
        if message is not None and await self.inbox.accept(message) and self.typing is not None:
            self.typing.start(message.chat_id)
        if update.callback_query is not None:
            # after the ack, not before it: a slow Bot API must not hold Telegram's webhook call
            task = asyncio.create_task(self._answer_callback(update.callback_query.id))
            self._answers.add(task)
            task.add_done_callback(self._answers.discard)

    async def _answer_callback(self, callback_id: str) -> None:
        with contextlib.suppress(TelegramAPIError, TelegramNetworkError):  # cosmetic: the spinner
            await self.bot.answer_callback_query(callback_id, request_timeout=5)

    async def take(self, update: Update) -> None:
        """Parse and store one update."""
        await self.store(update, self.parse(update))
