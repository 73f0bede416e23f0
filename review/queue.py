"""Putting a message into the review queue: masked, deduplicated, reasons merged."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from review.masking import mask_text
from review.models import ReviewItem, ReviewReason, ReviewStatus

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case and spacing folded: what counts as «the same example» for dedupe."""
    return _SPACES.sub(" ", text).strip().casefold()


def text_key(masked: str) -> str:
    """The dedupe key of a masked text."""
    return hashlib.sha256(normalise(masked).encode()).hexdigest()


async def enqueue(
    session: AsyncSession,
    *,
    raw_text: str,
    reason: ReviewReason,
    channel: str,
    conversation_id: str | None,
    line_id: int | None,
    intent: str | None,
    confidence: float | None,
    now: datetime,
    chosen_intent: str | None = None,
) -> ReviewItem | None:
    """Queue the masked text, or count one more of an identical queued text; None if empty.

    The raw text goes no further than this function. A text an editor already handled comes
    back to the queue only for a new reason, so a dismissed one does not keep reappearing.
    """
    masked = mask_text(raw_text).strip()
    if not masked or masked.startswith("/"):  # a button payload is not something a citizen typed
        return None
    key = text_key(masked)
    item = await session.scalar(select(ReviewItem).where(ReviewItem.text_key == key))
    if item is None:
        item = ReviewItem(
            text=masked,
            text_key=key,
            intent=intent,
            confidence=confidence,
            channel=channel,
            conversation_id=conversation_id,
            line_id=line_id,
            reasons=[reason.value],
            chosen_intent=chosen_intent,
            created_at=now,
            updated_at=now,
        )
        session.add(item)
        await session.flush()
        return item
    if reason.value not in item.reasons:
        item.reasons = [*item.reasons, reason.value]
        if item.status != ReviewStatus.OPEN:
            item.status = ReviewStatus.OPEN
    if line_id != item.line_id:
        item.count += 1
        item.conversation_id, item.line_id = conversation_id, line_id
    if chosen_intent is not None:  # a correction: the top guess says more than «fallback»
        item.chosen_intent = chosen_intent
        item.intent = intent
    item.version += 1
    item.updated_at = now
    return item
