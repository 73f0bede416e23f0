"""Russian texts of the console API, read from `handoff/console/locales/console_ru.toml`."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).parent / "locales"


@cache
def console_texts() -> dict[str, str]:
    """Every text of the console API, loaded once."""
    with (LOCALES / "console_ru.toml").open("rb") as file:
        return {key: str(value) for key, value in tomllib.load(file).items()}


def console_text(key: str) -> str:
    """One text by key."""
    return console_texts()[key]
