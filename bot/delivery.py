"""The contract between the outbox and a channel's sender: what a delivery is, how it fails.

`Deliverer` makes one attempt of a claimed outbox item through its channel's sender and records
the outcome: done, a retry with backoff (the channel's own wait when it gave one), or failed
for good after `max_attempts`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import OutboundMessage
from bot.metrics import Metrics
from bot.models import OUTBOX, ItemStatus, OutboxItem
from bot.storage import session_scope, utcnow
from bot.storage.group_commit import GroupCommit

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The channel asked to wait (429) or failed temporarily (5xx, network)."""

    def __init__(self, reason: str, after_s: float | None = None) -> None:
        super().__init__(reason)
        self.after_s = after_s


class DeliveryFailed(Exception):
    """The channel refused the message for good (blocked bot, chat gone, invalid request)."""


@dataclass(frozen=True)
class Delivery:
    """Which stored reply is being delivered (senders use it for deduplication and replay)."""

    outbox_id: int
    transcript_id: int | None
    attempt: int


class ChannelSender(Protocol):
    """What an adapter provides to deliver replies in its channel."""

    channel: str

    async def send(self, chat_id: str, message: OutboundMessage, delivery: Delivery) -> None:
        """Deliver one message; raise RetryLater or DeliveryFailed when it was not delivered."""


class Deliverer:
    """Sends one claimed item through its channel's sender and records what came of it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        metrics: Metrics,
        senders: Mapping[str, ChannelSender],
        *,
        max_attempts: int,
        backoff_max_s: float,
    ) -> None:
        self._sessions = sessions
        self._metrics = metrics
        self._senders = senders
        self._max_attempts = max_attempts
        self._backoff_max = backoff_max_s
        self._finishes: GroupCommit[_Finish, None] = GroupCommit(sessions, _record_finish)

    async def send(self, item: OutboxItem) -> bool:
        """One attempt, recorded; True when the item is finished (sent, or failed for good) and
        the chat's later replies may go, False when it waits for a retry."""
        sender = self._senders[item.channel]
        message = OutboundMessage.model_validate(item.message)
        try:
            await sender.send(
                item.chat_id, message, Delivery(item.id, item.transcript_id, item.attempts + 1)
            )
        except RetryLater as exc:
            await self._retry(item, str(exc), exc.after_s)
            return False
        except DeliveryFailed as exc:
            await self._finish(item, ItemStatus.FAILED, str(exc))
            return True
        except Exception as exc:
            log.exception("channel sender crashed")
            await self._retry(item, type(exc).__name__, None)
            return False
        await self._finish(item, ItemStatus.DONE, None)
        self._metrics.messages_out.labels(channel=item.channel).inc()
        return True

    async def _retry(self, item: OutboxItem, reason: str, after_s: float | None) -> None:
        attempts = item.attempts + 1
        if attempts >= self._max_attempts:
            await self._finish(item, ItemStatus.FAILED, f"gave up: {reason}")
            return
        delay = after_s if after_s is not None else min(self._backoff_max, 2.0**attempts)
        self._metrics.errors.labels(component=f"send_{item.channel}").inc()
        async with session_scope(self._sessions) as session:
            await session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == item.id)
                .values(
                    status=ItemStatus.PENDING,
                    attempts=attempts,
                    next_attempt_at=utcnow() + timedelta(seconds=delay),
                    last_error=reason[:200],
                )
            )

    async def _finish(self, item: OutboxItem, status: ItemStatus, error: str | None) -> None:
        if status is ItemStatus.FAILED:
            self._metrics.errors.labels(component=f"send_{item.channel}").inc()
            log.error("delivery failed for good", extra={"outbox_id": item.id, "reason": error})
        # many chats' sends end together: their records share a commit
        await self._finishes.run(_Finish(item.id, status, item.attempts + 1, error))


@dataclass(frozen=True)
class _Finish:
    """An attempt's end as recorded on its outbox row."""

    outbox_id: int
    status: ItemStatus
    attempts: int
    error: str | None


async def _record_finish(session: AsyncSession, finish: _Finish) -> None:
    await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == finish.outbox_id)
        .values(
            status=finish.status,
            attempts=finish.attempts,
            sent_at=utcnow() if finish.status is ItemStatus.DONE else None,
            last_error=(finish.error or "")[:200] or None,
        )
    )
