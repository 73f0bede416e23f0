"""Cutting a long answer into parts a channel accepts, at sentence (then word) boundaries."""

from __future__ import annotations

import re
from collections.abc import Callable

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")

Measure = Callable[[str], int]


def _hard_split(piece: str, limit: int, measure: Measure) -> list[str]:
    out: list[str] = []
    current = ""
    for token in re.split(r"(\s+)", piece):
        word = token
        if measure(current + word) <= limit:
            current += word
            continue
        if current.strip():
            out.append(current.strip())
        current = ""
        while measure(word) > limit:  # a single huge token
            cut = limit
            while measure(word[:cut]) > limit:
                cut -= 1
            out.append(word[:cut])
            word = word[cut:]
        current = word
    if current.strip():
        out.append(current.strip())
    return out


def split_text(text: str, limit: int, measure: Measure = len) -> list[str]:
    """Parts of `text`, each with `measure(part) <= limit`, cut between sentences when possible."""
    if measure(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s.strip()):
        candidate = f"{current} {sentence}" if current else sentence
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if measure(sentence) <= limit:
            current = sentence
        else:
            *full, current = _hard_split(sentence, limit, measure)
            parts.extend(full)
    if current:
        parts.append(current)
    return parts
