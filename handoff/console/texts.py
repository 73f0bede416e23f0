"""Russian texts of the console API, read from `handoff/console/locales/console_ru.toml`."""

from __future__ import annotations

from pathlib import Path

from l10n import Texts

LOCALE = Texts(Path(__file__).parent / "locales", "console_{locale}.toml")


def console_text(key: str) -> str:
    """One text by key."""
    return LOCALE.text(key)
