"""Shared, lazily created Russian morphology (one pymorphy3 analyzer per process)."""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

import pymorphy3
from razdel import tokenize

_LOCK = threading.Lock()


@functools.cache
def _analyzer() -> Any:
    return pymorphy3.MorphAnalyzer(lang="ru")


def morph() -> Any:
    """The process-wide pymorphy3 analyzer, created on first use (its dictionaries load then)."""
    with _LOCK:
        return _analyzer()


@functools.lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Normal form of a lower-cased word; non-Cyrillic words are returned unchanged."""
    w = word.lower().replace("ё", "е")
    if not re.search(r"[а-я]", w):
        return w
    return str(morph().parse(w)[0].normal_form).replace("ё", "е")


@functools.lru_cache(maxsize=200_000)
def is_known_ru(word: str) -> bool:
    """True when pymorphy3 knows the Cyrillic word from its dictionary."""
    w = word.lower()
    if not w or not re.fullmatch(r"[а-яё-]+", w):
        return False
    return bool(morph().word_is_known(w))


def tokens(text: str) -> list[tuple[str, int, int]]:
    """razdel tokens as (text, start, end)."""
    return [(t.text, t.start, t.stop) for t in tokenize(text)]
