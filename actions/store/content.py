"""What content editors change in the ticket store: edited content bodies and known incidents.

Every change is conditional on the version the editor loaded (optimistic locking): when two
editors change the same thing, the second one's change matches no row and is refused with
`StaleEdit` instead of silently overwriting the first one's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from actions.store.models import ContentEntry, Incident, IncidentKind


class StaleEdit(Exception):
    """Someone saved a newer version since the editor loaded it."""


@dataclass(frozen=True)
class IncidentFields:
    """What an editor writes about an incident or a maintenance window (times UTC-aware)."""

    service_code: str
    kind: IncidentKind
    public_text: str
    started_at: datetime
    expected_recovery_at: datetime | None


async def content_entry(session: AsyncSession, key: str) -> ContentEntry | None:
    """The edited body of a kind of content, or None while its YAML file is the default."""
    return await session.get(ContentEntry, key)


async def save_content(
    session: AsyncSession,
    key: str,
    body: dict[str, Any],
    seen_version: int,
    editor_id: int,
    now: datetime,
) -> ContentEntry:
    """Store a checked body over version `seen_version` (0: the file's); StaleEdit if outdated."""
    if seen_version == 0:
        return await _first_edit(
            session, ContentEntry(key=key, body=body, version=1), editor_id, now
        )
    result = await session.execute(
        update(ContentEntry)
        .where(ContentEntry.key == key, ContentEntry.version == seen_version)
        .values(body=body, version=seen_version + 1, updated_at=now, updated_by=editor_id)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        raise StaleEdit(key)
    query = select(ContentEntry).where(ContentEntry.key == key)
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one()


async def _first_edit(
    session: AsyncSession, entry: ContentEntry, editor_id: int, now: datetime
) -> ContentEntry:
    """Insert the first edited body; another editor's first edit wins the primary key."""
    if await content_entry(session, entry.key) is not None:
        raise StaleEdit(entry.key)
    entry.updated_at, entry.updated_by = now, editor_id
    session.add(entry)
    try:
        await session.flush()
    except IntegrityError as error:
        raise StaleEdit(entry.key) from error
    return entry


async def list_incidents(session: AsyncSession) -> Sequence[Incident]:
    """Every incident and maintenance window, the latest start first."""
    query = select(Incident).order_by(Incident.started_at.desc(), Incident.id.desc())
    return (await session.execute(query)).scalars().all()


async def create_incident(session: AsyncSession, fields: IncidentFields) -> Incident:
    """Announce an incident or a maintenance window; citizens who ask are told at once."""
    incident = Incident(**asdict(fields), resolved_at=None, version=0)
    session.add(incident)
    await session.flush()
    return incident


async def edit_incident(
    session: AsyncSession, incident_id: int, seen_version: int, fields: IncidentFields
) -> Incident:
    """Rewrite an incident the editor saw at `seen_version`; LookupError when there is none."""
    return await _change_incident(session, incident_id, seen_version, asdict(fields))


async def end_incident(
    session: AsyncSession, incident_id: int, seen_version: int, now: datetime
) -> Incident:
    """Mark an incident over (citizens are no longer told about it)."""
    return await _change_incident(session, incident_id, seen_version, {"resolved_at": now})


async def _change_incident(
    session: AsyncSession, incident_id: int, seen_version: int, values: dict[str, Any]
) -> Incident:
    """A conditional UPDATE on the version; LookupError for no incident, StaleEdit for a newer."""
    result = await session.execute(
        update(Incident)
        .where(Incident.id == incident_id, Incident.version == seen_version)
        .values(**values, version=seen_version + 1)
        .execution_options(synchronize_session=False)
    )
    incident = await session.get(Incident, incident_id, populate_existing=True)
    if incident is None:
        raise LookupError(incident_id)
    if not getattr(result, "rowcount", 0):
        raise StaleEdit(incident_id)
    return incident
