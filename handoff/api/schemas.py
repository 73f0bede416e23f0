"""Request bodies and the small response shapes of the console API (the big ones are in views)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, field_validator, model_validator

from handoff.models import Presence
from handoff.operators.accounts import OperatorFields
from handoff.operators.views import OperatorRef
from workcalendar import WeekHours

Resolution = Literal["resolved", "ticket", "redirected", "callback", "no_answer", "spam"]
RESOLUTION_CODES: tuple[str, ...] = get_args(Resolution)  # titles: console_ru.toml
GROUP_CODE_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class LoginInput(BaseModel):
    """Credentials."""

    login: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class PresenceInput(BaseModel):
    """Whether the operator takes new chats."""

    presence: Presence


class ReplyInput(BaseModel):
    """An operator's message to the citizen."""

    text: str = Field(min_length=1, max_length=4000)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        """Whitespace alone is no message."""
        if not value.strip():
            raise ValueError("the message is empty")
        return value


class TransferInput(BaseModel):
    """Hand the chat to another group (back to its queue) or to a named operator."""

    group_code: str | None = None
    operator_id: int | None = None
    note: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _one_target(self) -> TransferInput:
        """Exactly one of group and operator."""
        if (self.group_code is None) == (self.operator_id is None):
            raise ValueError("give either group_code or operator_id")
        return self


class CloseInput(BaseModel):
    """How the chat ended."""

    resolution: Resolution


class AuditQuery(BaseModel):
    """How many entries, newest first."""

    limit: int = Field(default=100, ge=1, le=1000)


class ResolutionView(BaseModel):
    """A resolution code and its title."""

    code: str
    title: str


class GroupRef(BaseModel):
    """A group's code and title."""

    code: str
    title: str


class OperatorPresence(BaseModel):
    """An operator in the transfer list."""

    id: int
    name: str
    presence: str


class MetaView(BaseModel):
    """What the console's menus offer."""

    resolutions: list[ResolutionView]
    groups: list[GroupRef]
    operators: list[OperatorPresence]


class CannedInput(BaseModel):
    """A ready answer; no group means every group."""

    group_code: str | None = None
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=4000)


class CannedView(CannedInput):
    """A stored ready answer."""

    id: int


class AuditView(BaseModel):
    """One audit entry."""

    id: int
    operator: OperatorRef | None
    action: str
    chat_id: int | None
    detail: dict[str, Any] | None
    created_at: datetime


class OperatorAdminView(OperatorFields):
    """An operator as the admin sees them."""

    id: int
    presence: str
    locked: bool


class GroupFields(BaseModel):
    """What an admin sets for a group."""

    title: str = Field(min_length=1, max_length=200)
    topics: list[str] = Field(default_factory=list)
    hours: WeekHours
    auto_assign: bool = True
    active: bool = True


class GroupCreate(GroupFields):
    """A new group."""

    code: str = Field(pattern=GROUP_CODE_PATTERN)


class GroupAdminView(GroupCreate):
    """A group as the admin sees it."""
