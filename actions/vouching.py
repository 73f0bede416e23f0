"""The actions' side of the facts the app vouches for: which turns may unlock personal data.

A phone share binds a chat, and a bound chat sees appeal statuses, so the actions believe a
turn's metadata only when the app signed it (`bot.facts`) for the tracker's own sender, and
recently. A forged tracker, or a turn posted to Rasa by anyone holding its token, carries no
valid signature and is served as an unidentified chat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from rasa_sdk import Tracker

from bot.facts import VouchedFacts, verify_facts
from bot.settings import load_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FactCheck:
    """Checks a turn's signed facts with the app's key (FACTS_SIGNING_KEY)."""

    key: bytes
    max_age_s: float

    def facts_of(self, tracker: Tracker, now: datetime) -> VouchedFacts | None:
        """The app's facts of the tracker's latest turn, or None when they cannot be trusted."""
        metadata: Any = (tracker.latest_message or {}).get("metadata")
        facts = verify_facts(
            self.key,
            metadata,
            sender=tracker.sender_id,
            now=now.timestamp(),
            max_age_s=self.max_age_s,
        )
        if facts is None:
            log.warning("turn not vouched for by the app: personal data withheld")
        return facts


@cache
def default_fact_check() -> FactCheck:
    """The action server's check, from the settings, made once per process on first use."""
    settings = load_settings()
    return FactCheck(
        key=settings.facts_signing_key.get_secret_value().encode(),
        max_age_s=settings.facts_max_age_s,
    )
