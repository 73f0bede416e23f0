"""`content/canned.yml`: the ready answers a new installation starts with.

The file only fills an untouched table. Once supervisors manage the answers in the console
(`/api/canned`), the database is the source of truth and the file is not read into it again.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator
from ruamel.yaml import YAML
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import AuditEntry, CannedResponse, OperatorGroup

log = logging.getLogger(__name__)


class CannedSeed(BaseModel):
    """One ready answer as the file describes it; no `group` means every group sees it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=4000)
    group: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,39}$")


class CannedFile(BaseModel):
    """The whole file: the answers in the order the picker lists them (by title)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    responses: list[CannedSeed]  # `[]` is allowed: an installation that starts with none

    @model_validator(mode="after")
    def _distinct(self) -> CannedFile:
        """Two answers with one title in one group would be indistinguishable in the picker."""
        keys = [(answer.group, answer.title) for answer in self.responses]
        if len(set(keys)) != len(keys):
            raise ValueError("titles must be unique within a group")
        return self


def load_canned(path: Path) -> CannedFile:
    """Read and validate the file (once, at start-up)."""
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    return CannedFile.model_validate(data)


async def seed_canned(session: AsyncSession, canned: CannedFile) -> list[str]:
    """Insert the file's answers into a table nobody has touched; return the titles added.

    Call it after the groups are seeded, in the same transaction. Any row means supervisors own
    the table; so does an empty table with a deletion in the audit log (they removed every
    answer on purpose, and a restart must not bring them back).
    """
    # Locking the groups' rows makes two instances starting together on one PostgreSQL seed one
    # after the other: the second then sees the first one's rows and adds nothing.
    groups = set(await session.scalars(select(OperatorGroup.code).with_for_update()))
    if await session.scalar(select(CannedResponse.id).limit(1)) is not None:
        return []
    deleted = select(AuditEntry.id).where(AuditEntry.action == "canned_delete").limit(1)
    if await session.scalar(deleted) is not None:
        return []
    added = []
    for answer in canned.responses:
        if answer.group is not None and answer.group not in groups:
            log.warning(
                "canned response skipped: unknown group",
                extra={"title": answer.title, "group": answer.group},
            )
            continue
        session.add(CannedResponse(group_code=answer.group, title=answer.title, text=answer.text))
        added.append(answer.title)
    await session.flush()
    return added
