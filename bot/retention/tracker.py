"""Rasa's SQL tracker store, reached directly: Rasa 3.6 has no API to delete a conversation.

Rasa's HTTP API can read and append tracker events but not remove them, so forget-me and the
retention purge delete rows of its `events` table (`sender_id`, `timestamp` as epoch seconds)
over a direct connection to the same database `endpoints.yml` names (TRACKER_STORE_URL).
Deleting is safe between turns: the app holds the conversation's lease, so Rasa is not in the
middle of a turn of that chat (it re-saves a loaded tracker at the end of a turn).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

TABLE = "events"
# whole conversations idle for the period go; of the others, only events before their current
# session (Rasa loads a tracker from its last `session_started`, and counts those to append)
_PURGE_IDLE = text(
    "DELETE FROM events WHERE sender_id IN "
    "(SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :before)"
)
_PURGE_OLD_SESSIONS = text(
    "DELETE FROM events WHERE timestamp < :before AND id < "
    "(SELECT COALESCE(MAX(s.id), 0) FROM events s "
    "WHERE s.sender_id = events.sender_id AND s.type_name = 'session_started')"
)
_FORGET = text("DELETE FROM events WHERE sender_id = :sender")


def async_url(url: str) -> str:
    """The URL with an async driver (`sqlite://` → aiosqlite, `postgresql://` → asyncpg)."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://") and "+aiosqlite" not in url:
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


class TrackerStore:
    """Deletes from Rasa's `events` table; a store Rasa has not created yet holds nothing."""

    def __init__(self, url: str) -> None:
        """Nothing connects until the first call."""
        parsed = make_url(async_url(url))
        self._sqlite_path = (
            Path(parsed.database)
            if parsed.get_backend_name() == "sqlite" and parsed.database
            else None
        )
        self._url = parsed
        self._engine: AsyncEngine | None = None

    def _connect(self) -> AsyncEngine | None:
        if self._sqlite_path is not None and not self._sqlite_path.exists():
            return None  # Rasa never ran here: no file, and none should be created
        if self._engine is None:
            args = {"timeout": 30} if self._sqlite_path is not None else {}
            self._engine = create_async_engine(self._url, connect_args=args)
        return self._engine

    async def _execute(self, *statements: tuple[object, dict[str, object]]) -> int:
        engine = self._connect()
        if engine is None:
            return 0
        removed = 0
        async with engine.begin() as connection:
            if not await connection.run_sync(_has_events):
                return 0
            for statement, params in statements:
                result = await connection.execute(statement, params)  # type: ignore[call-overload]
                removed += int(getattr(result, "rowcount", 0) or 0)
        return removed

    async def forget(self, sender_id: str) -> int:
        """Delete every event of the conversation; how many went."""
        return await self._execute((_FORGET, {"sender": sender_id}))

    async def purge(self, before: datetime) -> int:
        """Delete events older than `before` (keeping live sessions whole); how many went."""
        params: dict[str, object] = {"before": before.timestamp()}
        return await self._execute((_PURGE_IDLE, params), (_PURGE_OLD_SESSIONS, params))

    async def close(self) -> None:
        """Release the connections."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


def _has_events(connection: Connection) -> bool:
    return bool(inspect(connection).has_table(TABLE))
