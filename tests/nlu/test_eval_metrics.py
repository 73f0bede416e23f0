"""bench/nlu_metrics.py: `make eval` scores what the bot acts on, not only its best guess."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from nlu_metrics import (
    Prediction,
    confusion_markdown,
    entity_scores,
    score_as_bot,
    score_without_fallback,
)

PREDICTIONS = [
    Prediction("greet", "greet", "greet", 0.99),
    Prediction("greet", "nlu_fallback", "greet", 0.41),
    Prediction("out_of_scope", "out_of_scope", "out_of_scope", 0.9),
    Prediction("out_of_scope", "support_contacts", "support_contacts", 0.8),
]


def test_a_right_intent_under_the_fallback_counts_as_a_miss():
    bot = score_as_bot(PREDICTIONS)
    assert bot.accuracy == 0.5
    assert bot.per_intent["greet"].recall == 0.5
    assert bot.per_intent["greet"].precision == 1.0


def test_without_the_fallback_the_best_real_intent_is_scored():
    raw = score_without_fallback(PREDICTIONS)
    assert raw.accuracy == 0.75
    assert raw.per_intent["greet"].f1 == 1.0


def test_macro_f1_averages_over_the_intents_the_set_contains():
    bot = score_as_bot(PREDICTIONS)
    assert set(bot.per_intent) == {"greet", "out_of_scope"}
    assert abs(bot.macro_f1 - (2 / 3 + 2 / 3) / 2) < 1e-9


def test_confusion_matrix_has_a_column_for_the_fallback():
    text = confusion_markdown(score_as_bot(PREDICTIONS).confusion)
    assert "nlu_fall" in text.splitlines()[0]
    assert "| greet | 1 | 1 |" in text


def test_entity_spans_match_when_they_overlap():
    scores = entity_scores([[(10, 20)], [(0, 8)], []], [[(11, 20)], [], [(3, 9)]])
    assert scores == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2.0}
