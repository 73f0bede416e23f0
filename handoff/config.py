"""`content/handoff.yml`: the operator groups, their topics and hours, and the queue targets.

A group's `hours` are either written out or, as shipped, the name of a set of hours in
`content/contacts.yml` (`chat_hours`: the operators' hours the bot quotes), so the hours live
in one place and the bot never promises an operator when none works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from ruamel.yaml import YAML
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import GENERAL_TOPIC, OperatorGroup
from workcalendar import WeekHours, load_week_hours


class GroupConfig(BaseModel):
    """One competence group as the file describes it."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    title: str
    topics: list[str]
    auto_assign: bool = True
    hours: WeekHours


class HandoffConfig(BaseModel):
    """The whole file: groups and the queue targets."""

    model_config = ConfigDict(frozen=True)

    target_wait_s: int = Field(default=30, gt=0)
    default_handling_s: int = Field(default=180, gt=0)
    groups: list[GroupConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> HandoffConfig:
        """Group codes are unique and exactly one group takes `general` (unknown topics)."""
        codes = [group.code for group in self.groups]
        if len(set(codes)) != len(codes):
            raise ValueError("group codes must be unique")
        general = [group.code for group in self.groups if GENERAL_TOPIC in group.topics]
        if len(general) != 1:
            raise ValueError(f"exactly one group must list the `{GENERAL_TOPIC}` topic")
        return self


def load_config(path: Path, hours_path: Path | None = None) -> HandoffConfig:
    """Read and validate the file (once, at start-up).

    A group's `hours` given as a name are read from that key of `hours_path` (by default
    `contacts.yml` beside the file).
    """
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    schedules = hours_path or path.with_name("contacts.yml")
    for group in data.get("groups") or []:
        if isinstance(group, dict) and isinstance(group.get("hours"), str):
            group["hours"] = load_week_hours(schedules, group["hours"])
    return HandoffConfig.model_validate(data)


async def seed_groups(session: AsyncSession, config: HandoffConfig) -> list[str]:
    """Insert the file's groups missing from the database; existing rows are the admins'."""
    existing = set(await session.scalars(select(OperatorGroup.code)))
    added = []
    for group in config.groups:
        if group.code in existing:
            continue
        session.add(
            OperatorGroup(
                code=group.code,
                title=group.title,
                topics=list(group.topics),
                hours=group.hours.model_dump(mode="json"),
                auto_assign=group.auto_assign,
                active=True,
            )
        )
        added.append(group.code)
    await session.flush()
    return added
