"""The "typing…" indicator while Rasa thinks: one `sendChatAction` per citizen message at most.

Telegram shows the action for about 5 s or until the bot's next message, whichever is first.
Refreshing it while a slow turn runs doubled the Bot API calls under load (two per reply) for an
indicator hardly anyone watches that long, so it is sent once per citizen message and not again
for that chat while it is still showing — and only when the reply has not come within `delay_s`
(a fast answer needs no indicator: most turns cost no `sendChatAction` at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import AiogramError

_MAX_REMEMBERED = 10_000
TYPING_DELAY_S = 1.0
"""How long a turn may take before "typing…" is shown (the app's setting for Telegram)."""


class TypingIndicator:
    """Shows "typing…" once for an accepted citizen message, unless it is still showing.

    `stop` (called by the sender right before a reply) ends the showing period, so the next
    citizen message gets its own indicator.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        every_s: float = 5.0,
        delay_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._delay = delay_s
        self._waiting: dict[str, asyncio.Task[None]] = {}
        self._shows_for = every_s
        self._clock = clock
        self._shown_at: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, chat_id: str) -> None:
        """A citizen message was accepted: show "typing…" unless it is showing already."""
        now = self._clock()
        shown = self._shown_at.get(chat_id)
        if shown is not None and now - shown < self._shows_for:
            return
        if len(self._shown_at) >= _MAX_REMEMBERED:
            self._shown_at.clear()
        self._shown_at[chat_id] = now
        task = asyncio.create_task(self._send(chat_id), name=f"typing-{chat_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if self._delay > 0:
            self._waiting[chat_id] = task

    def stop(self, chat_id: str) -> None:
        """A reply is about to be sent: Telegram hides the indicator with it, and one still
        waiting out the delay is not sent at all."""
        self._shown_at.pop(chat_id, None)
        waiting = self._waiting.pop(chat_id, None)
        if waiting is not None:
            waiting.cancel()

    async def close(self) -> None:
        """Cancel indicators still being sent (app shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _send(self, chat_id: str) -> None:
        if self._delay > 0:
            await asyncio.sleep(self._delay)
            self._waiting.pop(chat_id, None)  # sending now: a reply from here on cannot undo it
        with contextlib.suppress(AiogramError):  # cosmetic only: never retry, never fail a turn
            await self._bot.send_chat_action(chat_id, ChatAction.TYPING, request_timeout=5)
