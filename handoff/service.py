"""The handoff module as the app sees it: the citizen's intake, the operator's desk, the assigner.

One per app instance, built by the composition root (`bot/app.py`) from the app's parts. The
router hands it custom payloads and held messages (`intake`), the console API acts through
`desk`, and `run_forever` is the background worker. Every method except the worker runs inside
the caller's transaction; side effects run only after the caller commits.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.inbox import Inbox
from bot.outbox import Outbox
from bot.rasa_client import RasaClient
from bot.storage import utcnow
from bot.wakeups import Pulse
from handoff.assignment.assigner import Assigner
from handoff.chat import Announce, ChatKeeper, Clock
from handoff.config import HandoffConfig
from handoff.desk.service import OperatorDesk
from handoff.queue.intake import CitizenIntake, RatingHook


class HandoffService:
    """Owns the life of handoff chats; the router, the console API and a worker call it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Inbox,
        outbox: Outbox,
        rasa: RasaClient,
        config: HandoffConfig,
        *,
        clock: Clock = utcnow,
        announce: Announce | None = None,
        tick_s: float = 1.0,
        on_rating: RatingHook | None = None,
    ) -> None:
        self._keeper = ChatKeeper(sessions, outbox, rasa, config, clock, announce)
        self.config = config
        self.intake = CitizenIntake(self._keeper, on_rating)
        self.desk = OperatorDesk(self._keeper, inbox)
        self.assigner = Assigner(self._keeper, self.intake, self.desk.set_presence, tick_s)

    @property
    def changed(self) -> Pulse:
        """Set after every committed change; each console feed on this instance watches it."""
        return self._keeper.changed

    async def run_forever(self) -> None:
        """The background worker: auto-assignment and queue-position notices."""
        await self.assigner.run_forever()

    async def tick(self) -> None:
        """One round of the worker (tests drive it directly)."""
        await self.assigner.tick()

    async def settle(self) -> None:
        """Wait for side effects already started (Rasa pause, wake-ups): tests and shutdown."""
        await self._keeper.after_commit.settle()
