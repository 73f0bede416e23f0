"""Long polling (`TELEGRAM_MODE=polling`): getUpdates in a loop, each update through the intake.

The offset moves past an update only after it was stored, so an update is never lost: when the
database is down the same batch is fetched again (and the inbox ignores what it already has).
"""

from __future__ import annotations

import asyncio
import logging

from aiogram.exceptions import AiogramError, TelegramAPIError, TelegramRetryAfter

from adapters.telegram.intake import ALLOWED_UPDATES, UpdateIntake

log = logging.getLogger(__name__)


class TelegramPoller:
    """Deletes the webhook, then fetches updates with `getUpdates` until cancelled."""

    def __init__(
        self,
        intake: UpdateIntake,
        *,
        timeout_s: int = 25,
        backoff_max_s: float = 30.0,
    ) -> None:
        self.intake = intake
        self.timeout_s = timeout_s
        self.backoff_max_s = backoff_max_s
        self.offset: int | None = None

    async def _pause(self, failures: int, at_least: float = 0.0) -> None:
        await asyncio.sleep(max(at_least, min(self.backoff_max_s, 0.5 * 2**failures)))

    async def run_forever(self) -> None:
        """Poll until cancelled; API and network errors back off and retry."""
        bot = self.intake.bot
        failures = 0
        while True:  # getUpdates is refused while a webhook is set
            try:
                await bot.delete_webhook(drop_pending_updates=False)
                break
            except TelegramAPIError as exc:
                log.warning("deleteWebhook failed", extra={"error": exc.message})
                failures += 1
                await self._pause(failures)
        failures = 0
        while True:
            try:
                updates = await bot.get_updates(
                    offset=self.offset,
                    timeout=self.timeout_s,
                    allowed_updates=ALLOWED_UPDATES,
                    request_timeout=self.timeout_s + 10,
                )
            except TelegramRetryAfter as exc:
                await asyncio.sleep(exc.retry_after)
                continue
            except AiogramError as exc:  # API, network or undecodable answer
                failures += 1
                log.warning("getUpdates failed", extra={"error": str(exc)})
                await self._pause(failures)
                continue
            failures = 0
            for update in updates:
                try:
                    await self.intake.take(update)
                except Exception:  # storage down: keep the offset, fetch this update again
                    log.exception("storing a polled update failed")
                    failures += 1
                    await self._pause(failures)
                    break
                self.offset = update.update_id + 1
