"""Whom auto-assignment picks: the least loaded online operator, ties to the one idle longest.

Pure: the assigner reads the candidates (`assignment.store.candidates`) and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Candidate:
    """An online operator of a group as auto-assignment sees them: their load and idle time."""

    operator_id: int
    assigned: int
    max_chats: int
    last_assigned_at: datetime | None
    presence_at: datetime


def least_loaded(candidates: Iterable[Candidate]) -> Candidate | None:
    """Fewest assigned chats below `max_chats`; ties go to the one idle longest."""
    free = [c for c in candidates if c.assigned < c.max_chats]
    if not free:
        return None

    def idle_since(candidate: Candidate) -> datetime:
        last = candidate.last_assigned_at
        return max(last, candidate.presence_at) if last is not None else candidate.presence_at

    return min(free, key=lambda c: (c.assigned, idle_since(c), c.operator_id))
