"""What editors change without a release: contacts, out-of-scope routes, known incidents.

Bodies are checked by the actions' own rules before they are saved, and saved in the ticket
store, where every action server instance reads them on its next turn. Every change names the
version the editor loaded; a newer one saved meanwhile refuses it (`StaleEdit`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actions.contacts import CONTACTS_PATH, contacts_from
from actions.content import CONTACTS, OUT_OF_SCOPE, ContentError, read_mapping
from actions.dialogue_content import OUT_OF_SCOPE_PATH, out_of_scope_from
from actions.store import (
    Incident,
    IncidentFields,
    content_entry,
    create_incident,
    edit_incident,
    end_incident,
    list_incidents,
    save_content,
    service_titles,
)

# each kind of editable content: its default file and the rules a body must keep
KINDS: dict[str, tuple[Path, Callable[[dict[str, Any]], object]]] = {
    CONTACTS: (CONTACTS_PATH, contacts_from),
    OUT_OF_SCOPE: (OUT_OF_SCOPE_PATH, out_of_scope_from),
}


class ContentRefusal(Exception):
    """An edit the rules refuse: `key` names the text that says why, `where` the field."""

    def __init__(self, key: str, where: str | None = None) -> None:
        """`where` is a path into the body (`chat_hours.weekday.open`), when one field is wrong."""
        super().__init__(key)
        self.key = key
        self.where = where


@dataclass(frozen=True)
class EditableContent:
    """A kind of content as it is in force, and the version an edit must name."""

    body: dict[str, Any]
    version: int  # 0: nobody edited it, the default file's
    updated_at: datetime | None
    updated_by: int | None


async def current(session: AsyncSession, key: str) -> EditableContent:
    """What the actions answer with now: the last saved body, else the default file's."""
    entry = await content_entry(session, key)
    if entry is not None:
        return EditableContent(entry.body, entry.version, entry.updated_at, entry.updated_by)
    body = await asyncio.to_thread(read_mapping, KINDS[key][0])
    return EditableContent(body, 0, None, None)


async def save(
    session: AsyncSession,
    key: str,
    body: dict[str, Any],
    seen_version: int,
    editor_id: int,
    now: datetime,
) -> EditableContent:
    """Check the body by the actions' rules, then save it over `seen_version`."""
    try:
        # the out-of-scope rules lemmatise every keyword: off the event loop
        await asyncio.to_thread(KINDS[key][1], body)
    except ContentError as error:
        raise ContentRefusal(f"content_{error.problem}", error.where) from error
    entry = await save_content(session, key, body, seen_version, editor_id, now)
    return EditableContent(entry.body, entry.version, entry.updated_at, entry.updated_by)


async def incident_board(session: AsyncSession) -> tuple[dict[str, str], Sequence[Incident]]:
    """The services' titles by code, and every incident, the latest start first."""
    return await service_titles(session), await list_incidents(session)


async def announce(session: AsyncSession, fields: IncidentFields) -> Incident:
    """Announce a checked incident or maintenance window."""
    await _check(session, fields)
    return await create_incident(session, fields)


async def rewrite(
    session: AsyncSession, incident_id: int, seen_version: int, fields: IncidentFields
) -> Incident:
    """Rewrite an incident with checked fields."""
    await _check(session, fields)
    return await edit_incident(session, incident_id, seen_version, fields)


async def end(
    session: AsyncSession, incident_id: int, seen_version: int, now: datetime
) -> Incident:
    """End an incident: citizens who ask are no longer told about it."""
    return await end_incident(session, incident_id, seen_version, now)


async def _check(session: AsyncSession, fields: IncidentFields) -> None:
    """A known service, a text for citizens, and recovery after the start."""
    if not fields.public_text.strip():
        raise ContentRefusal("incident_text_missing", "public_text")
    if fields.service_code not in await service_titles(session):
        raise ContentRefusal("incident_unknown_service", "service_code")
    recovery = fields.expected_recovery_at
    if recovery is not None and recovery <= fields.started_at:
        raise ContentRefusal("incident_recovery_before_start", "expected_recovery_at")
