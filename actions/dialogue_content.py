"""`content/dialogue.yml`: guess titles, the login-problem lexicon, operator-question words; and
the out-of-scope routes, which editors change in the console (`content/out_of_scope.yml` is the
default)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from actions.content import OUT_OF_SCOPE, ContentError, read_mapping, required_text
from actions.lexicon import Phrase, first_match, lemmas, phrases
from actions.store.content import content_entry
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


def _version(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def load_dialogue_content(path: Path = DIALOGUE_PATH) -> DialogueContent:
    """The file's content; parsed again only when an editor changed it (mtime or size)."""
    return _parse_dialogue_content(path, _version(path))


def load_out_of_scope(path: Path = OUT_OF_SCOPE_PATH) -> OutOfScopeContent:
    """The out-of-scope topics; parsed again only when an editor changed the file."""
    return _parse_out_of_scope(path, _version(path))


async def current_out_of_scope(
    session: AsyncSession, default: Path = OUT_OF_SCOPE_PATH
) -> OutOfScopeContent:
    """The topics an editor saved last, or the default file's while nobody has."""
    entry = await content_entry(session, OUT_OF_SCOPE)
    if entry is None:
        return await asyncio.to_thread(load_out_of_scope, default)
    return await asyncio.to_thread(
        _parse_saved_out_of_scope, json.dumps(entry.body, sort_keys=True)
    )


# Parsing (pure-Python YAML, every keyword lemmatised) costs a few hundred ms on a busy
# machine: once per version of the file, not once per turn.
@lru_cache(maxsize=8)
def _parse_dialogue_content(path: Path, version: tuple[int, int]) -> DialogueContent:
    """Read and check the file; an unknown login problem is an editor's typo, refused loudly."""
    data = read_mapping(path)
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


def out_of_scope_from(body: dict[str, Any]) -> OutOfScopeContent:
    """Check a body (the file's or an editor's): the intro, outro and default route, and topics
    each with a unique code, at least one keyword and a route."""
    topics = body.get("topics")
    if not isinstance(topics, list):
        raise ContentError("topics_missing", "topics")
    codes: set[str] = set()
    parsed = []
    for index, entry in enumerate(topics):
        parsed.append(_topic_from(entry if isinstance(entry, dict) else {}, f"topics.{index}"))
        if parsed[-1].code in codes:
            raise ContentError("topic_duplicate", f"topics.{index}.code")
        codes.add(parsed[-1].code)
    return OutOfScopeContent(
        intro=required_text(body, "intro"),
        outro=required_text(body, "outro"),
        default_route=required_text(body, "default_route"),
        topics=tuple(parsed),
    )


def _topic_from(entry: dict[str, Any], where: str) -> OutOfScopeTopic:
    """One topic: a code, keywords (a list of non-empty words), a route."""
    keywords = entry.get("keywords")
    if not isinstance(keywords, list) or not keywords:
        raise ContentError("keywords_missing", f"{where}.keywords")
    if not all(isinstance(word, str) and word.strip() for word in keywords):
        raise ContentError("keywords_missing", f"{where}.keywords")
    return OutOfScopeTopic(
        code=required_text(entry, "code", f"{where}.code"),
        keywords=phrases(word.strip() for word in keywords),
        route=required_text(entry, "route", f"{where}.route"),
    )


@lru_cache(maxsize=8)
def _parse_out_of_scope(path: Path, version: tuple[int, int]) -> OutOfScopeContent:
    """Read and check the out-of-scope file by the rules an editor's change is checked by."""
    try:
        return out_of_scope_from(read_mapping(path))
    except ContentError as error:
        raise ValueError(f"{path}: {error}") from error


# Keyed on the saved body itself (canonical JSON), so an edit is never served from a stale entry.
@lru_cache(maxsize=8)
def _parse_saved_out_of_scope(body: str) -> OutOfScopeContent:
    """An editor's saved body, lemmatised once per distinct body."""
    return out_of_scope_from(json.loads(body))
