"""Retention periods per kind of data, from the settings, as cut-off moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.settings import Settings


@dataclass(frozen=True)
class RetentionPeriods:
    """How many days each kind of personal data is kept."""

    transcript_days: int
    messages_days: int
    tracker_days: int
    attachments_days: int
    audit_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPeriods:
        """The periods the operator of the deployment configured (RETENTION_*_DAYS)."""
        return cls(
            transcript_days=settings.retention_transcript_days,
            messages_days=settings.retention_messages_days,
            tracker_days=settings.retention_tracker_days,
            attachments_days=settings.retention_attachments_days,
            audit_days=settings.retention_audit_days,
        )

    def cutoffs(self, now: datetime) -> Cutoffs:
        """What is older than these moments goes."""
        return Cutoffs(
            transcript=now - timedelta(days=self.transcript_days),
            messages=now - timedelta(days=self.messages_days),
            tracker=now - timedelta(days=self.tracker_days),
            attachments=now - timedelta(days=self.attachments_days),
            audit=now - timedelta(days=self.audit_days),
        )


@dataclass(frozen=True)
class Cutoffs:
    """The moments before which each kind of data is removed."""

    transcript: datetime
    messages: datetime
    tracker: datetime
    attachments: datetime
    audit: datetime
