"""The one locale loader, and the actions' texts schema that sits on it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from actions.texts import LOCALE, TEXTS, ActionTexts
from l10n import Texts

ROOT = Path(__file__).resolve().parents[2]


def test_a_text_is_read_once_then_served_from_memory(tmp_path: Path) -> None:
    (tmp_path / "ru.toml").write_text('greeting = "Здравствуйте"\n', encoding="utf-8")
    texts = Texts(tmp_path)
    assert texts.text("greeting") == "Здравствуйте"
    (tmp_path / "ru.toml").write_text('greeting = "Привет"\n', encoding="utf-8")
    assert texts.text("greeting") == "Здравствуйте"


def test_a_missing_key_names_the_file_it_was_looked_for_in(tmp_path: Path) -> None:
    (tmp_path / "console_ru.toml").write_text('a = "б"\n', encoding="utf-8")
    texts = Texts(tmp_path, "console_{locale}.toml")
    with pytest.raises(KeyError, match=r"console_ru\.toml"):
        texts.text("absent")


def test_every_locale_file_in_the_tree_is_valid_toml() -> None:
    files = [
        path
        for path in ROOT.glob("*/**/locales/*.toml")
        if not any(part.startswith(".") for part in path.relative_to(ROOT).parts)
    ]
    assert len(files) >= 4
    for path in files:
        with path.open("rb") as file:
            assert tomllib.load(file), path


def test_the_actions_texts_come_from_their_locale_file() -> None:
    assert TEXTS.button_operator == LOCALE.table()["button_operator"] == "Позвать оператора"
    assert TEXTS.status_labels["approved"] == "Одобрено"


def test_a_misspelt_or_missing_entry_fails_at_start_not_in_a_conversation() -> None:
    table = dict(LOCALE.table())
    table["buton_operator"] = table.pop("button_operator")
    with pytest.raises(ValidationError) as error:
        ActionTexts.model_validate(table)
    fields = {str(e["loc"][0]) for e in error.value.errors()}
    assert fields == {"button_operator", "buton_operator"}
