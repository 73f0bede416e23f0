"""Russian texts of the review API, read from `review/locales/review_ru.toml`."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).parent / "locales"


@cache
def review_texts() -> dict[str, str]:
    """Every text of the review API, loaded once."""
    with (LOCALES / "review_ru.toml").open("rb") as file:
        return {key: str(value) for key, value in tomllib.load(file).items()}


def review_text(key: str) -> str:
    """One text by key."""
    return review_texts()[key]
