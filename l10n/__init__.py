"""One loader for every package's user-facing texts: TOML locale files beside their owner.

Each package keeps its Russian texts in `<package>/locales/<locale>.toml` (or a name of its
own) and reads them through `Texts`, so an editor changes a wording without touching code and
every package finds its texts the same way. Standard library only: it imports in the app's and
in Rasa's environment alike.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DEFAULT_LOCALE = "ru"


class Texts:
    """The locale files of one package, each read once, then served from memory."""

    def __init__(self, directory: Path, pattern: str = "{locale}.toml") -> None:
        """`directory` holds the files; `pattern` names one from its locale."""
        self._directory = directory
        self._pattern = pattern
        self._tables: dict[str, dict[str, Any]] = {}

    def path(self, locale: str = DEFAULT_LOCALE) -> Path:
        """Where the texts of `locale` live."""
        return self._directory / self._pattern.format(locale=locale)

    def table(self, locale: str = DEFAULT_LOCALE) -> dict[str, Any]:
        """Every entry of `locale` as TOML gives it (strings, tables, arrays), loaded once."""
        table = self._tables.get(locale)
        if table is None:
            with self.path(locale).open("rb") as file:
                table = self._tables[locale] = tomllib.load(file)
        return table

    def text(self, key: str, locale: str = DEFAULT_LOCALE) -> str:
        """One text by key; a key missing from the file is a `KeyError` naming the file."""
        try:
            value = self.table(locale)[key]
        except KeyError:
            raise KeyError(f"{key!r} is not in {self.path(locale)}") from None
        return str(value)
