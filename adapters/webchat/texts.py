"""Russian texts of the web chat channel, read from `adapters/webchat/locales/ru.toml`."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).parent / "locales"


@cache
def _locale(locale: str) -> dict[str, Any]:
    with (LOCALES / f"{locale}.toml").open("rb") as file:
        return tomllib.load(file)


def text(key: str, locale: str = "ru") -> str:
    """One text by key."""
    return str(_locale(locale)[key])
