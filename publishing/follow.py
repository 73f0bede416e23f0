"""Every app instance follows the serving choice: when its generation changes, turns move.

Polling one primary-key row every `follow_interval_s` is cheap and needs no Redis; a missing row
(nothing published yet) leaves RASA_URLS as configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keys import RASA, SESSIONS
from bot.rasa_client import RasaClient
from publishing.registry import serving_choice
from publishing.settings import PublishSettings

log = logging.getLogger(__name__)


class ServingFollower:
    """Points the app's Rasa client at the published Rasa whenever the choice changes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], rasa: RasaClient) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self.generation = 0

    async def check(self) -> bool:
        """Read the choice once; True when the client was switched."""
        async with self._sessions() as session:
            choice = await serving_choice(session)
        if choice is None or choice.generation == self.generation:
            return False
        self._rasa.use([choice.rasa_url])
        self.generation = choice.generation
        log.info("turns switched", extra={"rasa": choice.rasa_url, "generation": choice.generation})
        return True

    async def forever(self, interval_s: float) -> None:
        """Check every interval; a database blip is retried at the next one."""
        while True:
            try:
                await self.check()
            except Exception:  # the database may be away: turns keep their Rasa until the next poll
                log.warning("serving choice unreadable", exc_info=False)
            await asyncio.sleep(interval_s)


async def follow_serving(app: web.Application) -> AsyncIterator[None]:
    """`cleanup_ctx`: the follower runs beside the router for the app's lifetime."""
    follower = ServingFollower(app[SESSIONS], app[RASA])
    task = asyncio.create_task(follower.forever(PublishSettings().follow_interval_s))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
