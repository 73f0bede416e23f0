"""Russian texts the app says itself, read from `bot/locales/ru.toml`."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).parent / "locales"


@cache
def texts(locale: str = "ru") -> dict[str, str]:
    """All texts of a locale, loaded once."""
    with (LOCALES / f"{locale}.toml").open("rb") as file:
        return {key: str(value) for key, value in tomllib.load(file).items()}


def text(key: str, locale: str = "ru") -> str:
    """One text by key."""
    return texts(locale)[key]
