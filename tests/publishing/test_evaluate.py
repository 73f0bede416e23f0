"""The gate's figures are `make eval`'s: the bot's intent scored, the fallback counted as a miss."""

from __future__ import annotations

from publishing.evaluate import report_from_parsed


def _row(gold: str, acted: str, top: str, text: str = "фраза") -> dict[str, object]:
    return {
        "text": text,
        "gold": gold,
        "acted": acted,
        "top": top,
        "confidence": 0.5,
        "spans": [],
        "found": [],
    }


def test_a_right_intent_under_the_fallback_counts_as_a_miss() -> None:
    parsed = {
        "load_s": 12.0,
        "sets": {
            "test_nlu.yml": [
                _row("greet", "greet", "greet"),
                _row("my_appeals", "nlu_fallback", "my_appeals", "где моё заявление"),
            ]
        },
    }
    scores = report_from_parsed(parsed)["sets"]["test_nlu.yml"]
    assert scores["accuracy"] == 0.5
    assert scores["per_intent"]["my_appeals"]["recall"] == 0.0
    assert scores["per_intent"]["greet"]["support"] == 1
    assert scores["missed"] == [  # what the gate holds a pinned set's phrases to
        {"text": "где моё заявление", "intent": "my_appeals", "answered": "nlu_fallback"}
    ]
