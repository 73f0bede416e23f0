"""Side effects that must wait until the caller's transaction commits.

The service works inside the caller's transaction, but waking other instances, pausing Rasa's
tracker or waking the router must not happen for a change that is later rolled back, nor before
other sessions can see it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

Effect = Callable[[], Awaitable[None]]
_PENDING = "handoff_after_commit"


class AfterCommit:
    """Runs registered coroutines once the session's current transaction commits."""

    def __init__(self, on_commit: Callable[[], None]) -> None:
        self._on_commit = on_commit
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, session: AsyncSession, *effects: Effect) -> None:
        """Run `effects` after the commit (dropped on rollback); `on_commit` runs in any case."""
        pending: list[Effect] | None = session.info.get(_PENDING)
        if pending is None:
            pending = []
            session.info[_PENDING] = pending
            event.listen(session.sync_session, "after_commit", self._committed, once=True)
            event.listen(session.sync_session, "after_rollback", _rolled_back, once=True)
        pending.extend(effects)

    def _committed(self, session: Session) -> None:
        effects: list[Effect] = session.info.pop(_PENDING, [])
        self._on_commit()
        loop = asyncio.get_running_loop()
        for effect in effects:
            task = loop.create_task(_guarded(effect))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the effects started so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


async def _guarded(effect: Effect) -> None:
    try:
        await effect()
    except Exception:
        log.exception("handoff side effect failed")
