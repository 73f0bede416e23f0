"""Rasa's own end-to-end test stories, run by `rasa test core` against the real action server."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support import ROOT, model_path


def test_rasa_test_stories_pass(actions_url: str, tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{actions_url}/webhook"\n', encoding="utf-8")
    stories = sorted(str(p) for p in (ROOT / "tests").glob("test_stories*.yml"))
    assert stories, "tests/test_stories.yml is missing"
    result = subprocess.run(
        [
            str(ROOT / ".venv-rasa/bin/rasa"),
            "test",
            "core",
            "--model",
            str(model_path()),
            "--stories",
            *stories,
            "--endpoints",
            str(endpoints),
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
            "--no-plot",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false",
            "HOME": str(tmp_path),
        },
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-4000:]
    assert result.returncode == 0, details
