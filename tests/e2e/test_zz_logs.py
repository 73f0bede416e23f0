"""Runs after the other end-to-end tests: their process logs hold no personal data, no errors."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import pii_findings


def test_logs_hold_no_personal_data(services_logs: Path) -> None:
    logs = list(services_logs.glob("*.log"))
    assert logs, "the services wrote no logs"
    assert pii_findings(logs) == []


# Rasa logs through `logging` (`2026-… ERROR    rasa.core…`) and structlog (`[error    ] …`)
ERROR_LINE = re.compile(r"\b(?:ERROR|CRITICAL)\b|\[(?:error|critical|exception)\s*\]")


def test_rasa_logged_no_error_on_normal_turns(services_logs: Path) -> None:
    """Every story and flow before this one is a normal turn: none may make Rasa log an error.

    Pins e.g. the buttons whose payloads carry entities (`/rate{"rating": 4}`): Rasa read their
    braces as `{slot}` placeholders and logged `The specified slot name does not exist` on
    every such answer.
    """
    log = (services_logs / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert log, "Rasa wrote no log"
    errors = [line for line in log.splitlines() if ERROR_LINE.search(line)]
    assert errors == []


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
