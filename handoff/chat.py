"""What every side of handoff does to a chat: change it, tell the citizen, audit, pause Rasa.

The citizen's intake, the operator's desk and the assigner all change chat rows inside the
caller's transaction; the side effects outside the database (Rasa's tracker, console wake-ups,
the assigner's wake-up) are queued on `after_commit` and run only once the caller commits.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import OutboundMessage
from bot.outbox import Outbox
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.wakeups import Pulse
from handoff.config import HandoffConfig
from handoff.effects import AfterCommit
from handoff.errors import ChatNotFound
from handoff.models import AuditEntry, HandoffChat, Operator

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Announce = Callable[[], Awaitable[None]]
CHAT_NUMBER_PREFIX = "ОП-"


def chat_number(chat_id: int) -> str:
    """What the citizen can quote: `ОП-000123`."""
    return f"{CHAT_NUMBER_PREFIX}{chat_id:06d}"


async def change_chat(
    session: AsyncSession,
    chat_id: int,
    now: datetime,
    *conditions: ColumnElement[bool],
    **values: Any,
) -> bool:
    """The one way a chat row changes: a conditional UPDATE that also bumps version/updated_at.

    True when this caller changed the row; False when the conditions no longer held (someone
    else won the race), which callers turn into ChatConflict or a quiet retry.
    """
    result = await session.execute(
        update(HandoffChat)
        .where(HandoffChat.id == chat_id, *conditions)
        .values(**values, version=HandoffChat.version + 1, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0)) == 1


class ChatKeeper:
    """The parts the intake, the desk and the assigner share (one per HandoffService)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        rasa: RasaClient,
        config: HandoffConfig,
        clock: Clock,
        announce: Announce | None,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock
        self._outbox = outbox
        self._rasa = rasa
        self._announce = announce
        self.wake = asyncio.Event()  # the assigner waits on it between ticks
        self.changed = Pulse()  # every console feed on this instance watches it
        self.after_commit = AfterCommit(self.changed.set)

    async def chat(
        self, session: AsyncSession, chat_id: int, *, refresh: bool = False
    ) -> HandoffChat:
        """The chat row, or ChatNotFound; `refresh` re-reads it after a conditional UPDATE."""
        chat = await session.get(HandoffChat, chat_id, populate_existing=refresh)
        if chat is None:
            raise ChatNotFound("no such chat")
        return chat

    async def touch(self, session: AsyncSession, chat: HandoffChat) -> None:
        """Bump version/updated_at so live views notice (in SQL: concurrent bumps all count)."""
        await change_chat(session, chat.id, self.clock())

    async def tell(
        self, session: AsyncSession, chat: HandoffChat, message: OutboundMessage, purpose: str
    ) -> None:
        """Queue a message to the citizen; the key makes a retried transaction send it once."""
        await self._outbox.enqueue(
            session,
            conversation_id=chat.conversation_id,
            channel=chat.channel,
            chat_id=chat.chat_id,
            message=message,
            dedupe_key=f"handoff:{chat.id}:{purpose}:{uuid.uuid4().hex[:12]}",
        )

    @property
    def outbox(self) -> Outbox:
        """Where operator replies go (they carry their own transcript author)."""
        return self._outbox

    def audit(
        self,
        session: AsyncSession,
        operator: Operator,
        action: str,
        chat_id: int | None,
        detail: dict[str, Any] | None,
    ) -> None:
        """One audit row in the caller's transaction, stamped with the service's clock."""
        session.add(
            AuditEntry(
                operator_id=operator.id,
                action=action,
                chat_id=chat_id,
                detail=detail,
                created_at=self.clock(),
            )
        )

    async def pause(self, conversation_id: str) -> None:
        """Best effort: the bot ignores a paused conversation even if the app's state were lost."""
        try:
            await self._rasa.append_events(conversation_id, [{"event": "pause"}])
        except RasaUnavailable as exc:
            log.warning("rasa tracker not paused", extra={"reason": str(exc)})

    async def announce_change(self) -> None:
        """Tell the other instances' console feeds (this instance's see `changed`)."""
        if self._announce is not None:
            await self._announce()

    async def wake_assigner(self) -> None:
        """Run the assigner now rather than at its next tick."""
        self.wake.set()
