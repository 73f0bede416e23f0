"""The "typing…" indicator while Rasa thinks: sendChatAction, at most once per 4 s per chat."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import AiogramError

log = logging.getLogger(__name__)


class TypingIndicator:
    """Shows "typing…" from an accepted citizen message until the first reply (or `max_s`).

    Telegram shows the action for about 5 s or until a message arrives, so it is refreshed every
    `every_s` while no reply was sent; `stop` is called by the sender right before a reply.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        every_s: float = 4.0,
        max_s: float = 12.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._every = every_s
        self._max = max_s
        self._clock = clock
        self._last_sent: dict[str, float] = {}
        self._replied: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, chat_id: str) -> None:
        """A citizen message was accepted: show "typing…" unless it is already shown."""
        if chat_id in self._replied:
            return
        self._replied[chat_id] = asyncio.Event()
        task = asyncio.create_task(self._run(chat_id), name=f"typing-{chat_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def stop(self, chat_id: str) -> None:
        """A reply is about to be sent: stop refreshing the indicator."""
        replied = self._replied.get(chat_id)
        if replied is not None:
            replied.set()

    async def close(self) -> None:
        """Cancel every running indicator (app shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, chat_id: str) -> None:
        replied = self._replied[chat_id]
        deadline = self._clock() + self._max
        try:
            while not replied.is_set() and self._clock() < deadline:
                due = self._last_sent.get(chat_id, float("-inf")) + self._every
                if self._clock() >= due:
                    self._last_sent[chat_id] = self._clock()
                    try:
                        await self._bot.send_chat_action(
                            chat_id, ChatAction.TYPING, request_timeout=5
                        )
                    except AiogramError:
                        return  # cosmetic only: never retry, never fail the turn
                    due = self._clock() + self._every
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(replied.wait(), max(0.0, due - self._clock()))
        finally:
            self._replied.pop(chat_id, None)
            if len(self._last_sent) > 10_000:
                self._last_sent.clear()
