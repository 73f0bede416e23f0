"""Runs after the other end-to-end tests: their process logs hold no personal data."""

from __future__ import annotations

from pathlib import Path

from tests.support import pii_findings


def test_logs_hold_no_personal_data(services_logs: Path) -> None:
    logs = list(services_logs.glob("*.log"))
    assert logs, "the services wrote no logs"
    assert pii_findings(logs) == []
