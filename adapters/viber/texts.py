"""Russian texts of the Viber channel, read from `adapters/viber/locales/ru.toml`."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from bot.messages import Button

LOCALES = Path(__file__).parent / "locales"


@cache
def _locale(locale: str) -> dict[str, Any]:
    with (LOCALES / f"{locale}.toml").open("rb") as file:
        return tomllib.load(file)


def text(key: str, locale: str = "ru") -> str:
    """One text by key."""
    return str(_locale(locale)[key])


def welcome_buttons(locale: str = "ru") -> tuple[Button, ...]:
    """The topics offered with the welcome message."""
    return tuple(
        Button(title=str(b["title"]), payload=str(b["payload"]))
        for b in _locale(locale)["welcome_buttons"]
    )
