"""What the review API takes and answers (pydantic models; described in the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ReviewItemView(BaseModel):
    """One queued message as an editor sees it (already masked)."""

    id: int
    text: str
    intent: str | None
    confidence: float | None
    channel: str
    reasons: list[str]
    chosen_intent: str | None
    count: int
    version: int
    has_context: bool


class ClusterView(BaseModel):
    """Similar queued messages handled together; `count` sums their occurrences."""

    items: list[ReviewItemView]
    count: int


class ContextLine(BaseModel):
    """A masked transcript line around a queued message."""

    id: int
    author: str
    text: str
    intent: str | None
    confidence: float | None
    queued: bool


class ItemVersion(BaseModel):
    """A message and the version the editor saw (refused if someone changed it since)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    version: int


class DecisionInput(BaseModel):
    """Assign an intent, create one (with the bot's answer), or dismiss (`intent` empty)."""

    model_config = ConfigDict(extra="forbid")

    items: list[ItemVersion] = Field(min_length=1, max_length=500)
    intent: str | None = Field(default=None, max_length=60)
    new_answer: str | None = Field(default=None, max_length=4000)


class RevertInput(BaseModel):
    """The version of the example the editor saw."""

    model_config = ConfigDict(extra="forbid")

    version: int


class ExampleView(BaseModel):
    """An accepted example and its state."""

    id: int
    text: str
    intent: str
    author_id: int | None
    version: int
    created_at: datetime
    reverted_at: datetime | None


class IntentsView(BaseModel):
    """The intents an editor can assign."""

    intents: list[str]


class FileDiff(BaseModel):
    """One generated training file that would change, as a unified diff."""

    path: str
    diff: str


class DiffView(BaseModel):
    """Every change writing the training files would make; empty when they are up to date."""

    files: list[FileDiff]
