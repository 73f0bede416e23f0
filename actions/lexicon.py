"""Lemmas of a citizen's message and phrase matching on them, for the content files' keywords."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import pymorphy3

# Hyphenated words stay whole («3-ндфл»); keywords go through the same split, so they match.
_WORD = re.compile(r"[\w]+(?:-[\w]+)*", re.UNICODE)
T = TypeVar("T")


@cache
def _analyzer() -> pymorphy3.MorphAnalyzer:
    # Loading the dictionaries takes ~0.1 s and ~15 MB: once per process, on first use.
    return pymorphy3.MorphAnalyzer()


@cache
def _lemma(word: str) -> str:
    parses = _analyzer().parse(word)
    return str(parses[0].normal_form) if parses else word


def lemmas(text: str) -> list[str]:
    """The normal forms of the message's words, lower case, «ё» read as «е», in order."""
    words = _WORD.findall(text.lower().replace("ё", "е"))
    return [_lemma(word).replace("ё", "е") for word in words]


@dataclass(frozen=True)
class Phrase:
    """A keyword of one or more words; it matches a message holding all its lemmas."""

    lemmas: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Phrase:
        """A keyword as an editor wrote it in a content file."""
        return cls(frozenset(lemmas(text)))

    def matches(self, message_lemmas: frozenset[str]) -> bool:
        """All the phrase's lemmas occur in the message, in any order."""
        return bool(self.lemmas) and self.lemmas <= message_lemmas


def phrases(texts: Iterable[str]) -> tuple[Phrase, ...]:
    """Parse a content file's list of keywords."""
    return tuple(Phrase.parse(str(text)) for text in texts)


def first_match(message: str, candidates: Sequence[tuple[T, Sequence[Phrase]]]) -> T | None:
    """The first candidate with a phrase matching the message, in the content file's order."""
    found = frozenset(lemmas(message))
    for value, keys in candidates:
        if any(phrase.matches(found) for phrase in keys):
            return value
    return None
