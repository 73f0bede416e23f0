"""When a citizen message lands in the review queue: the turn's signals and the chat's rating.

Called by the router after it recorded a turn's intent (`note_turn`) and by the handoff service
after a rating (`note_rating`). Each looks only at the transcript the bot already keeps.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import TranscriptEntry
from bot.turns import TurnSignal
from review.models import ReviewReason
from review.queue import enqueue
from review.yamlfile import load_mapping

FALLBACK_INTENT = "nlu_fallback"
PERSON_INTENT = "request_operator"
LOW_RATING = 2
RATED_LINES = 20  # how many citizen lines of a badly rated chat are worth a look
CONFIG = Path(__file__).resolve().parent.parent / "config.yml"


@cache
def fallback_threshold(config: Path = CONFIG) -> float:
    """The FallbackClassifier's threshold in config.yml: below it the bot is unsure."""
    pipeline: list[dict[str, Any]] = load_mapping(config).get("pipeline") or []
    for component in pipeline:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.3


async def _citizen_lines(
    session: AsyncSession, conversation_id: str, limit: int
) -> list[TranscriptEntry]:
    rows = await session.scalars(
        select(TranscriptEntry)
        .where(
            TranscriptEntry.conversation_id == conversation_id, TranscriptEntry.author == "citizen"
        )
        .order_by(TranscriptEntry.id.desc())
        .limit(limit)
    )
    return list(rows)


def _payload_intent(payload: str) -> str:
    return payload.lstrip("/").split("{", 1)[0].strip()


async def _top_guess(session: AsyncSession, conversation_id: str, after_id: int) -> str | None:
    """The first guess the bot offered after the citizen's line (its best one), if any."""
    rows = await session.scalars(
        select(TranscriptEntry)
        .where(
            TranscriptEntry.conversation_id == conversation_id,
            TranscriptEntry.author == "bot",
            TranscriptEntry.id > after_id,
        )
        .order_by(TranscriptEntry.id)
    )
    for line in rows:
        buttons = (line.payload or {}).get("buttons") or []
        if buttons and str(buttons[0].get("payload", "")).startswith("/"):
            return _payload_intent(str(buttons[0]["payload"]))
    return None


def _doubted(turn: TurnSignal) -> bool:
    return turn.intent == FALLBACK_INTENT or (
        turn.confidence is not None and turn.confidence < fallback_threshold()
    )


def _may_queue(turn: TurnSignal) -> bool:
    """Whether any trigger of `note_turn` can fire for this turn (decided without the database)."""
    return turn.payload is not None or turn.intent == PERSON_INTENT or _doubted(turn)


async def note_turn(session: AsyncSession, turn: TurnSignal) -> None:
    """Queue the citizen's latest line (unsure, fallback) or the one before it (followed by a
    request for a person, or corrected by choosing another guess than the top one)."""
    if not _may_queue(turn):
        return  # most turns: understood, typed, not a request for a person — no read at all
    lines = await _citizen_lines(session, turn.conversation_id, 2)
    if not lines:
        return
    latest = lines[0]
    previous = lines[1] if len(lines) > 1 else None
    if turn.payload is None and latest.text and _doubted(turn):
        reason = (
            ReviewReason.FALLBACK if turn.intent == FALLBACK_INTENT else ReviewReason.LOW_CONFIDENCE
        )
        await enqueue(
            session,
            raw_text=latest.text,
            reason=reason,
            line_id=latest.id,
            intent=turn.intent,
            confidence=turn.confidence,
            channel=turn.channel,
            conversation_id=turn.conversation_id,
            now=turn.now,
        )
    if previous is None or not previous.text:
        return
    if turn.intent == PERSON_INTENT and previous.intent != PERSON_INTENT:
        await enqueue(
            session,
            raw_text=previous.text,
            reason=ReviewReason.ASKED_FOR_PERSON,
            line_id=previous.id,
            intent=previous.intent,
            confidence=previous.confidence,
            channel=turn.channel,
            conversation_id=turn.conversation_id,
            now=turn.now,
        )
    if turn.payload is not None and previous.intent == FALLBACK_INTENT:
        chosen = _payload_intent(turn.payload)
        top = await _top_guess(session, turn.conversation_id, previous.id)
        if top is not None and chosen != top:
            await enqueue(
                session,
                raw_text=previous.text,
                reason=ReviewReason.CORRECTED,
                line_id=previous.id,
                intent=top,
                confidence=previous.confidence,
                chosen_intent=chosen,
                channel=turn.channel,
                conversation_id=turn.conversation_id,
                now=turn.now,
            )


async def note_rating(
    session: AsyncSession, conversation_id: str, channel: str, rating: int, now: datetime
) -> None:
    """A chat rated 1–2: its recent citizen lines go to the queue."""
    if rating > LOW_RATING:
        return
    for line in reversed(await _citizen_lines(session, conversation_id, RATED_LINES)):
        if line.text and not (line.payload or {}).get("payload"):
            await enqueue(
                session,
                raw_text=line.text,
                reason=ReviewReason.LOW_RATING,
                channel=channel,
                conversation_id=conversation_id,
                line_id=line.id,
                intent=line.intent,
                confidence=line.confidence,
                now=now,
            )
