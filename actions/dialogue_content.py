"""`content/dialogue.yml`: guess titles, the login-problem lexicon, operator-question words."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from actions.lexicon import Phrase, first_match, lemmas, phrases
from bot.settings import PROJECT_ROOT

DIALOGUE_PATH = PROJECT_ROOT / "content" / "dialogue.yml"
OUT_OF_SCOPE_PATH = PROJECT_ROOT / "content" / "out_of_scope.yml"
LOGIN_PROBLEMS = ("no_code", "blocked", "forgot_password", "tech_error", "lost_phone", "vpn")


@dataclass(frozen=True)
class DialogueContent:
    """What the dialogue understands beyond the model, as the content editor wrote it."""

    intent_titles: dict[str, str]
    default_guesses: tuple[str, ...]
    min_guess_confidence: float
    login_problems: tuple[tuple[str, tuple[Phrase, ...]], ...]
    operator_question_lemmas: frozenset[str]

    def login_problem(self, text: str) -> str | None:
        """The `login_problem` slot value the message names, if any."""
        return first_match(text, self.login_problems)

    def asks_how_to_reach(self, text: str) -> bool:
        """The message asks how to reach an operator, rather than calling one."""
        if text.rstrip().endswith("?"):
            return True
        return not self.operator_question_lemmas.isdisjoint(lemmas(text))


def _load_yaml(path: Path) -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top")
    return data


def _version(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def load_dialogue_content(path: Path = DIALOGUE_PATH) -> DialogueContent:
    """The file's content; parsed again only when an editor changed it (mtime or size)."""
    return _parse_dialogue_content(path, _version(path))


def load_out_of_scope(path: Path = OUT_OF_SCOPE_PATH) -> OutOfScopeContent:
    """The out-of-scope topics; parsed again only when an editor changed the file."""
    return _parse_out_of_scope(path, _version(path))


# Parsing (pure-Python YAML, every keyword lemmatised) costs a few hundred ms on a busy
# machine: once per version of the file, not once per turn.
@lru_cache(maxsize=8)
def _parse_dialogue_content(path: Path, version: tuple[int, int]) -> DialogueContent:
    """Read and check the file; an unknown login problem is an editor's typo, refused loudly."""
    data = _load_yaml(path)
    problems = []
    for value, keywords in (data.get("login_problems") or {}).items():
        if value not in LOGIN_PROBLEMS:
            raise ValueError(f"{path}: unknown login problem {value!r}")
        problems.append((str(value), phrases(keywords or ())))
    titles = {str(k): str(v) for k, v in (data.get("intent_titles") or {}).items()}
    defaults = tuple(str(name) for name in data.get("default_guesses") or ())
    missing = [name for name in defaults if name not in titles]
    if missing:
        raise ValueError(f"{path}: default guesses without a title: {missing}")
    return DialogueContent(
        intent_titles=titles,
        default_guesses=defaults,
        min_guess_confidence=float(data.get("min_guess_confidence", 0.05)),
        login_problems=tuple(problems),
        operator_question_lemmas=frozenset(
            lemma for word in data.get("operator_question_lemmas") or () for lemma in lemmas(word)
        ),
    )


@dataclass(frozen=True)
class OutOfScopeTopic:
    """One of the portal's other services and its general route."""

    code: str
    keywords: tuple[Phrase, ...]
    route: str


@dataclass(frozen=True)
class OutOfScopeContent:
    """`content/out_of_scope.yml`."""

    intro: str
    outro: str
    default_route: str
    topics: tuple[OutOfScopeTopic, ...]

    def topic(self, text: str) -> OutOfScopeTopic | None:
        """The first topic whose keyword the message holds."""
        return first_match(text, [(topic, topic.keywords) for topic in self.topics])

    def answer(self, text: str) -> str:
        """Honest refusal, the route of the message's topic (or the general one), the offer."""
        topic = self.topic(text)
        route = topic.route if topic else self.default_route
        return f"{self.intro}\n{route}\n{self.outro}"


@lru_cache(maxsize=8)
def _parse_out_of_scope(path: Path, version: tuple[int, int]) -> OutOfScopeContent:
    """Read and check the out-of-scope topics."""
    data = _load_yaml(path)
    topics = tuple(
        OutOfScopeTopic(
            code=str(entry["code"]),
            keywords=phrases(entry["keywords"]),
            route=str(entry["route"]),
        )
        for entry in data["topics"]
    )
    return OutOfScopeContent(
        intro=str(data["intro"]),
        outro=str(data["outro"]),
        default_route=str(data["default_route"]),
        topics=topics,
    )
