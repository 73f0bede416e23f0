"""Shared, lazily loaded Russian morphology (one pymorphy3 analyzer per process)."""
from __future__ import annotations

import functools
import re
import threading
from typing import List, Tuple

_LOCK = threading.Lock()
_MORPH = None

_WORD_RE = re.compile(r"[а-яёa-z]", re.IGNORECASE)


def morph():
    """Return the process-wide pymorphy3 analyzer (created on first use)."""
    global _MORPH
    if _MORPH is None:
        with _LOCK:
            if _MORPH is None:
                import pymorphy3

                _MORPH = pymorphy3.MorphAnalyzer(lang="ru")
    return _MORPH


@functools.lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Normal form of a lower-cased word; non-Cyrillic words are returned unchanged."""
    w = word.lower().replace("ё", "е")
    if not re.search(r"[а-я]", w):
        return w
    return morph().parse(w)[0].normal_form.replace("ё", "е")


@functools.lru_cache(maxsize=200_000)
def is_known_ru(word: str) -> bool:
    """True when pymorphy3 knows the Cyrillic word from its dictionary."""
    w = word.lower()
    if not w or not re.fullmatch(r"[а-яё-]+", w):
        return False
    return bool(morph().word_is_known(w))


def tokens(text: str) -> List[Tuple[str, int, int]]:
    """razdel tokens as (text, start, end)."""
    from razdel import tokenize

    return [(t.text, t.start, t.stop) for t in tokenize(text)]
