"""What the content API takes and answers: contacts, out-of-scope routes, incidents.

The shapes mirror the YAML defaults in `content/`; the rules a body must keep (times, every
kind of day, a keyword per topic) are the actions' own (`actions.content`), checked by the
service, so an edit is refused with 422 and the editor is told which field is wrong.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from actions.store import IncidentKind

TEXT = 4000  # the longest text a citizen reads in one message


class ContentMeta(BaseModel):
    """Which version the editor sees (0: nobody edited it yet, the file's), by whom and when."""

    version: int
    updated_at: datetime | None
    updated_by: int | None


class DayHoursBody(BaseModel):
    """Hours of one kind of day, Moscow time: "HH:MM", close may be "24:00"."""

    open: str = Field(max_length=5)
    close: str = Field(max_length=5)


class ContactsBody(BaseModel):
    """The hotline, the e-mail and the chat operators' hours by kind of day."""

    hotline: str = Field(max_length=100)
    email: str = Field(max_length=200)
    chat_hours: dict[str, DayHoursBody | None]


class ContactsView(ContactsBody, ContentMeta):
    """The contacts now in force."""


class ContactsInput(ContactsBody):
    """Edited contacts, over the version the editor saw (refused if someone saved since)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0)


class TopicBody(BaseModel):
    """A topic the assistant does not handle: its code, the words that name it, its route."""

    code: str = Field(max_length=40)
    keywords: list[str] = Field(max_length=100)
    route: str = Field(max_length=TEXT)


class OutOfScopeBody(BaseModel):
    """The refusal's intro and outro, the route when no topic matches, the topics in order."""

    intro: str = Field(max_length=TEXT)
    outro: str = Field(max_length=TEXT)
    default_route: str = Field(max_length=TEXT)
    topics: list[TopicBody] = Field(max_length=200)


class OutOfScopeView(OutOfScopeBody, ContentMeta):
    """The out-of-scope routes now in force."""


class OutOfScopeInput(OutOfScopeBody):
    """Edited routes, over the version the editor saw."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0)


class IncidentInput(BaseModel):
    """A failure or planned maintenance as citizens are told about it."""

    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(min_length=1, max_length=40)
    kind: IncidentKind
    public_text: str = Field(max_length=2000)
    started_at: AwareDatetime
    expected_recovery_at: AwareDatetime | None = None


class IncidentEdit(IncidentInput):
    """An edited incident, over the version the editor saw."""

    version: int = Field(ge=0)


class VersionInput(BaseModel):
    """The version of the incident the editor saw."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=0)


class IncidentView(BaseModel):
    """An incident; `resolved_at` set once an editor ended it."""

    id: int
    service_code: str
    kind: IncidentKind
    public_text: str
    started_at: datetime
    expected_recovery_at: datetime | None
    resolved_at: datetime | None
    version: int


class ServiceView(BaseModel):
    """A portal service an incident can be about."""

    code: str
    title: str


class IncidentBoard(BaseModel):
    """The services and every incident, the latest start first."""

    services: list[ServiceView]
    incidents: list[IncidentView]
