"""What the router tells other packages of every recorded citizen turn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class TurnSignal:
    """What the router knows of a turn: whose, which channel, what Rasa made of it."""

    conversation_id: str
    channel: str
    intent: str | None
    confidence: float | None
    payload: str | None  # a button's payload when the citizen pressed one
    now: datetime


# hears each citizen turn inside the turn's transaction (the review queue's triggers)
TurnHook = Callable[[AsyncSession, TurnSignal], Awaitable[None]]
