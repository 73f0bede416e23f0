"""What editors do with the queue: see it grouped, open the context, annotate, revert.

Every change is a conditional UPDATE on the row's `version` (optimistic locking): when two
editors act on the same message, the second one's change matches no row and is refused with
`EditConflict` instead of silently overwriting the first one's.

A message already a hand-written example of another intent is refused at annotation time: the
writer would drop it as a duplicate anyway, and the editor would believe the bot was taught.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import TranscriptEntry
from review.clustering import cluster
from review.masking import mask_text
from review.models import NewIntent, ReviewItem, ReviewStatus, TrainingExample
from review.queue import normalise
from review.writer import Example, cleaned
from review.yamlfile import load_mapping

DOMAIN = Path(__file__).resolve().parent.parent / "domain.yml"
INTENT_NAME = re.compile(r"[a-z][a-z0-9_]{2,60}")
CONTEXT_LINES = 5


class EditConflict(Exception):
    """Someone else changed the row since the editor loaded it."""


class ReviewRefusal(Exception):
    """The editor's input cannot be applied; `key` names the text that says why."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.key = key
        self.params = params  # what the text names (`{text}`, `{intent}`)


@cache
def domain_intents(domain: Path = DOMAIN) -> tuple[str, ...]:
    """The intents domain.yml declares (names only)."""
    listed = load_mapping(domain).get("intents") or []
    return tuple(
        sorted(next(iter(entry)) if isinstance(entry, dict) else str(entry) for entry in listed)
    )


async def known_intents(session: AsyncSession) -> list[str]:
    """The domain's intents and the ones editors created, sorted."""
    created = await session.scalars(select(NewIntent.name))
    return sorted({*domain_intents(), *created})


async def open_clusters(session: AsyncSession) -> list[list[ReviewItem]]:
    """Open queued messages grouped by similarity, the biggest groups first."""
    items = list(
        await session.scalars(
            select(ReviewItem).where(ReviewItem.status == ReviewStatus.OPEN).order_by(ReviewItem.id)
        )
    )
    groups = [[items[index] for index in group] for group in cluster([item.text for item in items])]
    return sorted(groups, key=lambda group: -sum(item.count for item in group))


async def context(session: AsyncSession, item: ReviewItem) -> list[TranscriptEntry]:
    """The transcript lines around the queued one, masked (detached copies; nothing is saved)."""
    if item.conversation_id is None or item.line_id is None:
        return []
    around = TranscriptEntry.conversation_id == item.conversation_id
    before = await session.scalars(
        select(TranscriptEntry)
        .where(around, TranscriptEntry.id <= item.line_id)
        .order_by(TranscriptEntry.id.desc())
        .limit(CONTEXT_LINES + 1)
    )
    after = await session.scalars(
        select(TranscriptEntry)
        .where(around, TranscriptEntry.id > item.line_id)
        .order_by(TranscriptEntry.id)
        .limit(CONTEXT_LINES)
    )
    lines = [*reversed(list(before)), *after]
    return [
        TranscriptEntry(
            id=line.id,
            author=line.author,
            text=mask_text(line.text or ""),
            intent=line.intent,
            confidence=line.confidence,
            created_at=line.created_at,
        )
        for line in lines
    ]


@dataclass(frozen=True)
class Decision:
    """An editor's verdict on some queued messages: an intent (existing or new) or dismissal."""

    items: Sequence[tuple[int, int]]  # (item id, the version the editor saw)
    intent: str | None  # None: dismiss
    new_answer: str | None = None  # set: `intent` is a new one, with this answer


async def decide(
    session: AsyncSession,
    decision: Decision,
    editor_id: int,
    now: datetime,
    written: Mapping[str, str] | None = None,
) -> list[TrainingExample]:
    """Apply the decision to every listed message, all or nothing; the accepted examples.

    `written`: the hand-written examples' intents by normalised text (`writer.existing_examples`).
    """
    if not decision.items:
        raise ReviewRefusal("nothing_chosen")
    if decision.intent is not None:
        await _check_intent(session, decision, editor_id, now)
    taken = written or {}
    status = ReviewStatus.DISMISSED if decision.intent is None else ReviewStatus.ANNOTATED
    examples = []
    for item_id, version in decision.items:
        changed = await session.execute(
            update(ReviewItem)
            .where(
                ReviewItem.id == item_id,
                ReviewItem.version == version,
                ReviewItem.status == ReviewStatus.OPEN,
            )
            .values(status=status, version=version + 1, updated_at=now)
            .returning(ReviewItem.text)
            .execution_options(synchronize_session=False)
        )
        text = changed.scalar_one_or_none()
        if text is None:
            if await session.get(ReviewItem, item_id) is None:
                raise ReviewRefusal("not_found")
            raise EditConflict
        if decision.intent is not None:
            other = taken.get(normalise(cleaned(text)))
            if other is not None and other != decision.intent:
                raise ReviewRefusal("example_elsewhere", text=text, intent=other)
            example = TrainingExample(
                text=text,
                intent=decision.intent,
                author_id=editor_id,
                review_item_id=item_id,
                created_at=now,
            )
            session.add(example)
            examples.append(example)
    await session.flush()
    return examples


async def _check_intent(
    session: AsyncSession, decision: Decision, editor_id: int, now: datetime
) -> None:
    assert decision.intent is not None
    known = await known_intents(session)
    if decision.new_answer is None:
        if decision.intent not in known:
            raise ReviewRefusal("unknown_intent")
        return
    if not decision.new_answer.strip():
        raise ReviewRefusal("answer_required")
    if not INTENT_NAME.fullmatch(decision.intent):
        raise ReviewRefusal("unknown_intent")
    if decision.intent in known:
        raise ReviewRefusal("intent_exists")
    session.add(
        NewIntent(
            name=decision.intent,
            answer=decision.new_answer.strip(),
            author_id=editor_id,
            created_at=now,
        )
    )


async def revert(
    session: AsyncSession, example_id: int, version: int, editor_id: int, now: datetime
) -> None:
    """Mark an accepted example reverted (the row stays: the history is kept)."""
    changed = await session.execute(
        update(TrainingExample)
        .where(
            TrainingExample.id == example_id,
            TrainingExample.version == version,
            TrainingExample.reverted_at.is_(None),
        )
        .values(reverted_at=now, reverted_by=editor_id, version=version + 1)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        if await session.get(TrainingExample, example_id) is None:
            raise ReviewRefusal("not_found")
        raise EditConflict


async def accepted_examples(session: AsyncSession) -> list[Example]:
    """Every accepted, not reverted example, in the order accepted."""
    rows = await session.execute(
        select(TrainingExample.text, TrainingExample.intent)
        .where(TrainingExample.reverted_at.is_(None))
        .order_by(TrainingExample.id)
    )
    return [Example(text, intent) for text, intent in rows]


async def history(session: AsyncSession, limit: int = 200) -> list[TrainingExample]:
    """The latest accepted examples, reverted ones included, newest first."""
    rows = await session.scalars(
        select(TrainingExample).order_by(TrainingExample.id.desc()).limit(limit)
    )
    return list(rows)
