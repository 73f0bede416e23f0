"""Runs after the other end-to-end tests: their process logs hold no personal data."""

from __future__ import annotations

from pathlib import Path

from tests.support import pii_findings


def test_logs_hold_no_personal_data(services_logs: Path) -> None:
    logs = list(services_logs.glob("*.log"))
    assert logs, "the services wrote no logs"
    assert pii_findings(logs) == []


def test_action_server_served_rasa_with_only_the_known_version_warning(
    services_logs: Path,
) -> None:
    """rasa_sdk 3.21 warns once that it was not made for Rasa 3.6; anything worse must fail.

    The stories and flows before this test prove the protocol works (forms and slot validation
    included); this pins the warning, so a different SDK release that starts refusing calls, or
    warns about something else, is noticed.
    """
    log = (services_logs / "actions.log").read_text(encoding="utf-8")
    warnings = [line for line in log.splitlines() if "Warning:" in line]
    assert len(warnings) == 1, warnings
    assert "might not be compatible" in warnings[0]
    assert "rasa version 3.6.21 and rasa_sdk version 3.21.1" in warnings[0]
    assert "Traceback" not in log
    assert "Exception" not in log
