"""The worker that gives waiting chats to online operators and keeps citizens told of their place.

One per instance; several instances are safe (every change is a conditional UPDATE). It ticks
every `tick_s`, or at once when a chat is queued or an operator comes online.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outage import OutageLog
from bot.storage import session_scope
from handoff.assignment import store as assignment_store
from handoff.assignment.claim import claim, hand_over
from handoff.assignment.rules import least_loaded
from handoff.chat import ChatKeeper
from handoff.models import ChatStatus, HandoffChat, Operator, Presence
from handoff.queue import store
from handoff.queue.intake import CitizenIntake

log = logging.getLogger(__name__)

SetPresence = Callable[[AsyncSession, Operator, str], Awaitable[None]]

MAX_ASSIGNMENTS_PER_TICK = 100
PRESENCE_TIMEOUT = timedelta(seconds=60)  # no console heartbeat for this long: away


class Assigner:
    """Auto-assignment, the sweep of vanished operators and the queue-position notices."""

    def __init__(
        self, keeper: ChatKeeper, intake: CitizenIntake, set_presence: SetPresence, tick_s: float
    ) -> None:
        self._keeper = keeper
        self._intake = intake
        self._set_presence = set_presence  # the desk's: the same rules as a console click
        self._tick_s = tick_s

    async def run_forever(self) -> None:
        """Tick every `tick_s`, or at once when woken."""
        database = OutageLog("handoff", log)
        wake = self._keeper.wake
        while True:
            try:
                await self.tick()
                database.recovered()
            except Exception as exc:
                if not database.absorb(exc):  # an outage is logged once, not every tick
                    log.exception("handoff tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=self._tick_s)
            wake.clear()

    async def tick(self) -> None:
        """Auto-assign waiting chats to online operators, then tell citizens about progress."""
        await self._sweep_vanished_operators()
        async with self._keeper.sessions() as session:
            groups = await store.active_groups(session)
        for group in groups:
            if group.auto_assign:
                await self._auto_assign(group.code)
            await self._intake.update_positions(group.code)

    async def _auto_assign(self, group_code: str) -> None:
        for _ in range(MAX_ASSIGNMENTS_PER_TICK):
            async with session_scope(self._keeper.sessions) as session:
                chat_id = await session.scalar(
                    select(HandoffChat.id)
                    .where(
                        HandoffChat.group_code == group_code,
                        HandoffChat.status == ChatStatus.QUEUED,
                    )
                    .order_by(HandoffChat.queued_at, HandoffChat.id)
                    .limit(1)
                )
                if chat_id is None:
                    return
                chosen = least_loaded(await assignment_store.candidates(session, group_code))
                if chosen is None:
                    return
                operator = await session.get(Operator, chosen.operator_id)
                assert operator is not None
                won = await claim(
                    self._keeper, session, chat_id, operator.id, limit=operator.max_chats
                )
                if not won:
                    continue  # taken meanwhile, or the operator filled up: look again
                await hand_over(
                    self._keeper, session, chat_id, operator, ChatStatus.QUEUED, "auto_assign"
                )

    async def _sweep_vanished_operators(self) -> None:
        """An online operator whose console has been gone a while (closed tab, lost network) is
        set away, so auto-assignment stops giving them chats; what they hold stays theirs."""
        cutoff = self._keeper.clock() - PRESENCE_TIMEOUT
        async with session_scope(self._keeper.sessions) as session:
            vanished = list(
                await session.scalars(
                    select(Operator).where(
                        Operator.presence == Presence.ONLINE,
                        Operator.last_seen_at.is_not(None),
                        Operator.last_seen_at < cutoff,
                    )
                )
            )
            for operator in vanished:
                await self._set_presence(session, operator, Presence.AWAY)
