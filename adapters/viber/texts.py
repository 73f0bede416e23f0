"""Russian texts of the Viber channel, read from `adapters/viber/locales/ru.toml`."""

from __future__ import annotations

from pathlib import Path

from bot.messages import Button
from l10n import DEFAULT_LOCALE, Texts

LOCALE = Texts(Path(__file__).parent / "locales")


def text(key: str, locale: str = DEFAULT_LOCALE) -> str:
    """One text by key."""
    return LOCALE.text(key, locale)


def welcome_buttons(locale: str = DEFAULT_LOCALE) -> tuple[Button, ...]:
    """The topics offered with the welcome message."""
    return tuple(
        Button(title=str(b["title"]), payload=str(b["payload"]))
        for b in LOCALE.table(locale)["welcome_buttons"]
    )
