"""A send-rate limiter: a minimum gap per chat and a cap per second overall (asyncio only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class SendRateLimiter:
    """At most one message per `per_chat_s` to a chat and `per_second` messages overall.

    Sends to one chat queue behind a per-chat lock and are spaced from the previous send's
    actual time; sends overall are spaced evenly by `1 / per_second`.
    """

    def __init__(
        self,
        *,
        per_chat_s: float = 1.0,
        per_second: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_chat = per_chat_s
        self._gap = 1.0 / per_second
        self._clock = clock
        self._last_sent: dict[str, float] = {}
        self._chat_locks: dict[str, asyncio.Lock] = {}
        self._global_lock = asyncio.Lock()
        self._next_global = 0.0

    async def _pause(self, until: float) -> None:
        delay = until - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)

    def _forget_idle(self) -> None:
        now = self._clock()
        for chat_id, sent in list(self._last_sent.items()):
            lock = self._chat_locks.get(chat_id)
            if sent + self._per_chat < now and (lock is None or not lock.locked()):
                self._last_sent.pop(chat_id, None)
                self._chat_locks.pop(chat_id, None)

    async def wait(self, chat_id: str) -> None:
        """Return when a message to `chat_id` may be sent (call it right before each send)."""
        if len(self._chat_locks) > 10_000:
            self._forget_idle()
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            last = self._last_sent.get(chat_id)
            if last is not None:
                await self._pause(last + self._per_chat)
            async with self._global_lock:
                slot = max(self._clock(), self._next_global)
                self._next_global = slot + self._gap
            await self._pause(slot)
            self._last_sent[chat_id] = self._clock()
