"""The served model understands every phrase the dialogue tests rely on (the pinned set).

The end-to-end tests fail on a misread phrase too, but far from the cause («no guess buttons»,
«no deletion asked»); this test names the phrase, its intent and what the model made of it, as
the publishing gate does (`tests/data/test_nlu_pinned.yml`, `GATE_STRICT_SETS`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from publishing.evaluate import missed
from publishing.settings import rasa_env
from tests.support import ROOT, model_path

pytestmark = pytest.mark.rasa

PINNED = ROOT / "tests/data/test_nlu_pinned.yml"


def test_every_pinned_phrase_is_acted_on_as_its_intent(tmp_path: Path) -> None:
    out = tmp_path / "parsed.json"
    subprocess.run(
        [
            str(ROOT / ".venv-rasa/bin/python"),
            str(ROOT / "bench/nlu_parse.py"),
            str(model_path()),
            str(out),
            str(PINNED),
        ],
        cwd=ROOT,
        env=rasa_env(),
        capture_output=True,
        timeout=600,
        check=True,
    )
    rows = json.loads(out.read_text(encoding="utf-8"))["sets"][PINNED.name]
    assert len(rows) >= 30, "the pinned set was read"
    assert missed(rows) == []
