"""Reading the Rasa project's YAML (config.yml, domain.yml, data/nlu/) the way the app does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML


def load_mapping(path: Path) -> dict[str, Any]:
    """The file's top-level mapping (an empty file is an empty mapping)."""
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top")
    return data
