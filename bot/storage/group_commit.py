"""Group commit: small transactions that arrive together share one commit.

Each webhook stores its message in a transaction of its own before it is acknowledged, and on
SQLite every commit is a write-ahead-log sync (kept: an acknowledged message survives a power
cut). Under load the syncs queue up behind each other. Here the first caller's work starts
at once; whatever arrives while that transaction runs waits for it and then goes in the next
transaction together — a commit per batch instead of per message, with nothing acknowledged
before its own commit. When a batch fails, its items are run again one transaction each, so one
bad item fails only its own caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.engine import session_scope

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

Work = Callable[[AsyncSession, T], Awaitable[R]]


class GroupCommit(Generic[T, R]):
    """Runs `work(session, item)` for every submitted item; concurrent items share a commit."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], work: Work[T, R], *, max_batch: int = 100
    ) -> None:
        self._sessions = sessions
        self._work = work
        self._max_batch = max_batch
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def run(self, item: T) -> R:
        """`work`'s result for `item` once its transaction has committed (or its error)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain())
        return await asyncio.shield(future)  # a caller that gives up leaves the batch intact

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                await self._commit(batch)
        finally:
            self._drainer = None

    async def _commit(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            async with session_scope(self._sessions) as session:
                results = [await self._work(session, item) for item, _ in batch]
        except Exception as error:  # each item is retried alone below
            if len(batch) == 1:
                _settle(batch[0][1], error=error)
                return
            log.warning("a grouped commit failed; its %d items run one by one", len(batch))
            for single in batch:
                await self._commit([single])
            return
        except BaseException:  # cancelled (shutdown): no caller waits forever
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)


def _settle(
    future: asyncio.Future[R], *, result: R | None = None, error: BaseException | None = None
) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
