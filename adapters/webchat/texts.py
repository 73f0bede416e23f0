"""Russian texts of the web chat channel, read from `adapters/webchat/locales/ru.toml`."""

from __future__ import annotations

from pathlib import Path

from l10n import DEFAULT_LOCALE, Texts

LOCALE = Texts(Path(__file__).parent / "locales")


def text(key: str, locale: str = DEFAULT_LOCALE) -> str:
    """One text by key."""
    return LOCALE.text(key, locale)
