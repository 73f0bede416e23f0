"""Intent and entity scores from parsed phrases: with and without the fallback counted.

Pure Python (no Rasa), so `bench/eval.py` and its tests use the same arithmetic. A *prediction*
is what the loaded model answered for one phrase: the intent the bot acts on (``nlu_fallback``
when the FallbackClassifier fired, by threshold or by ambiguity) and the best real intent
underneath it (what `rasa test nlu` scores, since it undoes the fallback).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Prediction:
    """One scored phrase: its gold intent, the bot's intent and the best real intent."""

    gold: str
    acted: str
    top: str
    confidence: float


@dataclass
class IntentRow:
    """Precision, recall and F1 of one intent, and how many phrases carry it."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class SetScores:
    """Accuracy and macro-F1 over the gold intents, per-intent rows, and the confusions."""

    examples: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, IntentRow] = field(default_factory=dict)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score_pairs(pairs: list[tuple[str, str]]) -> SetScores:
    """Scores (gold, predicted) pairs; macro-F1 averages over the intents the set contains.

    A predicted label no gold phrase carries (``nlu_fallback``, or an intent absent from the set)
    still costs precision nowhere and recall where it replaced the right intent.
    """
    if not pairs:
        return SetScores(examples=0, accuracy=0.0, macro_f1=0.0)
    golds = sorted({gold for gold, _ in pairs})
    per_intent: dict[str, IntentRow] = {}
    for label in golds:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_intent[label] = IntentRow(precision, recall, _f1(precision, recall), tp + fn)
    return SetScores(
        examples=len(pairs),
        accuracy=sum(1 for g, p in pairs if g == p) / len(pairs),
        macro_f1=sum(row.f1 for row in per_intent.values()) / len(per_intent),
        per_intent=per_intent,
        confusion=Counter(pairs),
    )


def score_as_bot(predictions: list[Prediction]) -> SetScores:
    """Scores what the bot acts on: a right intent under the fallback is a miss."""
    return score_pairs([(p.gold, p.acted) for p in predictions])


def score_without_fallback(predictions: list[Prediction]) -> SetScores:
    """Scores the best real intent, as `rasa test nlu` does."""
    return score_pairs([(p.gold, p.top) for p in predictions])


Span = tuple[int, int]


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def entity_scores(gold: list[list[Span]], found: list[list[Span]]) -> dict[str, float]:
    """Precision/recall/F1 of one entity's spans, one list per phrase.

    A found span is right when it overlaps a gold span (the normaliser may shift the edges of a
    number written with «№» or spaces); the figures are summed over the phrases.
    """
    tp = fp = fn = 0
    for gold_spans, found_spans in zip(gold, found, strict=True):
        hit = sum(1 for g in gold_spans if any(_overlaps(g, f) for f in found_spans))
        tp += hit
        fn += len(gold_spans) - hit
        fp += sum(1 for f in found_spans if not any(_overlaps(g, f) for g in gold_spans))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "support": float(tp + fn),
    }


def confusion_markdown(confusion: Counter[tuple[str, str]]) -> str:
    """A plain-text confusion matrix (rows: true intent, columns: predicted, 8-letter heads)."""
    golds = sorted({g for g, _ in confusion})
    labels = sorted(golds + [p for p in {p for _, p in confusion} if p not in golds])
    lines = [
        "| true \\ predicted | " + " | ".join(lb[:8] for lb in labels) + " |",
        "|" + " --- |" * (len(labels) + 1),
    ]
    for gold in golds:
        cells = [str(confusion.get((gold, pred), 0) or ".") for pred in labels]
        lines.append(f"| {gold} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
