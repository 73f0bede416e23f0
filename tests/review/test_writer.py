"""Accepted examples become valid, deduplicated, stably ordered Rasa NLU files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.settings import PROJECT_ROOT
from review.writer import Example, changes, render, write


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's hand-written NLU data."""
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", tmp_path / "data" / "nlu")
    return tmp_path


EXAMPLES = [
    Example("где же моё заявленьице <номер обращения>", "appeal_status"),
    Example("хочу живого [человека]", "request_operator"),
    Example("Где  же моё ЗАЯВЛЕНЬИЦЕ <номер обращения>", "appeal_status"),  # same, other case
    Example("привет", "greet"),  # already in data/nlu/chitchat.yml
    Example("ку-ку бот", "greet"),
    Example("как оформить загранпаспорт ребёнку", "passport_for_child"),
]


def test_files_are_rasa_nlu_yaml_one_per_family(project: Path) -> None:
    files = render(EXAMPLES, project)
    assert sorted(path.as_posix() for path in files) == [
        "data/nlu/reviewed/chitchat.yml",
        "data/nlu/reviewed/core.yml",
        "data/nlu/reviewed/new.yml",
    ]
    core = YAML(typ="safe").load(files[Path("data/nlu/reviewed/core.yml")])
    assert core["version"] == "3.1"
    assert core["nlu"] == [
        {"intent": "appeal_status", "examples": "- где же моё заявленьице <номер обращения>\n"},
        {"intent": "request_operator", "examples": "- хочу живого (человека)\n"},
    ], "duplicates folded, entity brackets defused, intents by name"
    chitchat = YAML(typ="safe").load(files[Path("data/nlu/reviewed/chitchat.yml")])
    assert chitchat["nlu"] == [{"intent": "greet", "examples": "- ку-ку бот\n"}]


def test_rendering_is_stable_whatever_the_order_of_intents(project: Path) -> None:
    shuffled = [EXAMPLES[5], EXAMPLES[1], EXAMPLES[4], EXAMPLES[0]]
    assert render(shuffled, project) == render(
        [EXAMPLES[0], EXAMPLES[1], EXAMPLES[4], EXAMPLES[5]], project
    )


def test_the_diff_shows_what_write_does_and_then_nothing(project: Path) -> None:
    pending = changes(EXAMPLES, project)
    assert "+      - ку-ку бот" in next(c.diff for c in pending if c.path.stem == "chitchat")
    write(pending, project)
    assert changes(EXAMPLES, project) == []
    reverted = [example for example in EXAMPLES if example.intent != "greet"]
    (gone,) = changes(reverted, project)
    assert gone.path.stem == "chitchat"
    assert gone.new == ""
    assert "-      - ку-ку бот" in gone.diff
    write([gone], project)
    assert not (project / gone.path).exists()
