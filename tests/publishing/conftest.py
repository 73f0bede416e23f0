"""Publishing fixtures: the registry's tables, settings pointing at a scratch models folder."""

from __future__ import annotations

from pathlib import Path

import pytest

import publishing.models  # noqa: F401 - registers the registry's tables before `engine`
from publishing.settings import PublishSettings


@pytest.fixture
def publish_settings(tmp_path: Path) -> PublishSettings:
    """Models in a scratch folder; the gate at its documented tolerances."""
    return PublishSettings(_env_file=None, models_dir=tmp_path / "models")


def scores(accuracy: float, macro_f1: float, recalls: dict[str, float]) -> dict[str, object]:
    """One set's scores as `publishing.evaluate` stores them."""
    return {
        "examples": 100,
        "accuracy": accuracy,
        "macro_f1": macro_f1,
        "per_intent": {
            intent: {"precision": 1.0, "recall": recall, "support": 10}
            for intent, recall in recalls.items()
        },
    }
