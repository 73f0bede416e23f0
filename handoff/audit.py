"""The audit log: who logged in, opened which conversation and what they did with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import utcnow
from handoff.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


async def record_audit(
    session: AsyncSession,
    operator_id: int | None,
    action: str,
    *,
    chat_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry in the caller's transaction (it is kept only if the action is)."""
    entry = AuditEntry(
        operator_id=operator_id,
        action=action,
        chat_id=chat_id,
        detail=_jsonable(detail) if detail is not None else None,
        created_at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    return entry


async def recent_audit(session: AsyncSession, limit: int) -> list[AuditEntry]:
    """The latest entries, newest first."""
    rows = await session.scalars(
        select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    )
    return list(rows)
