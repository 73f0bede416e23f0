"""The regression gate refuses a worse candidate and says where it is worse — in phrases, over
every held-out set — while the noise of two trainings (up to four phrases) passes."""

from __future__ import annotations

from typing import Any

from publishing.gate import ALL_SETS, Verdict, judge
from tests.publishing.conftest import scores

# 100 phrases a set, 10 per intent: 183 of 200 right; my_appeals 17 of 20
SERVING = {
    "sets": {
        "test_nlu.yml": scores(0.90, 0.88, {"greet": 1.0, "my_appeals": 0.80}),
        "test_nlu_blind.yml": scores(0.93, 0.91, {"greet": 1.0, "my_appeals": 0.90}),
    }
}


def _judge(
    candidate: dict[str, Any], serving: dict[str, Any] | None, overall: float = 0.01
) -> Verdict:
    """The gate at its documented defaults (1 % overall, 5 % per intent, 4 phrases of noise)."""
    return judge(candidate, serving, overall_tolerance=overall, recall_tolerance=0.05, min_lost=4)


def _candidate(nlu: tuple[float, float], blind: tuple[float, float]) -> dict[str, Any]:
    """(accuracy, my_appeals recall) on each set; greet stays right."""
    return {
        "sets": {
            "test_nlu.yml": scores(nlu[0], 0.9, {"greet": 1.0, "my_appeals": nlu[1]}),
            "test_nlu_blind.yml": scores(blind[0], 0.9, {"greet": 1.0, "my_appeals": blind[1]}),
        }
    }


def test_a_phrase_or_two_lost_is_noise_and_passes() -> None:
    verdict = _judge(_candidate((0.88, 0.70), (0.94, 0.90)), SERVING)
    assert verdict.passed
    assert verdict.regressions == []
    recall = {(i.set, i.intent): (i.serving, i.candidate) for i in verdict.intents}
    assert recall[("test_nlu.yml", "my_appeals")] == (0.80, 0.70)  # the editor still sees it


def test_four_phrases_lost_by_one_intent_are_within_noise() -> None:
    assert _judge(_candidate((0.95, 0.60), (0.95, 0.70)), SERVING).passed  # 17 → 13 of 20


def test_an_intent_losing_five_phrases_refuses_though_overall_improves() -> None:
    verdict = _judge(_candidate((0.95, 0.60), (0.95, 0.60)), SERVING)
    assert not verdict.passed
    [regression] = verdict.regressions
    assert (regression.set, regression.measure, regression.intent) == (
        ALL_SETS,
        "recall",
        "my_appeals",
    )
    assert (regression.serving, regression.candidate, regression.lost) == (0.85, 0.60, 5)


def test_a_loss_on_one_set_is_weighed_with_the_gain_on_another() -> None:
    assert _judge(_candidate((0.85, 0.80), (0.98, 0.90)), SERVING).passed


def test_overall_accuracy_losing_more_than_the_tolerance_refuses() -> None:
    verdict = _judge(_candidate((0.86, 0.80), (0.92, 0.90)), SERVING)
    assert [(r.set, r.measure, r.lost) for r in verdict.regressions] == [(ALL_SETS, "accuracy", 5)]


def test_on_a_large_set_the_share_decides_not_the_floor() -> None:
    assert _judge(_candidate((0.86, 0.80), (0.92, 0.90)), SERVING, overall=0.05).passed


def test_nothing_serving_yet_means_nothing_to_be_worse_than() -> None:
    candidate = {"sets": {"test_nlu.yml": scores(0.10, 0.10, {"greet": 0.1})}}
    verdict = _judge(candidate, None)
    assert verdict.passed
    assert verdict.intents[0].serving is None


def test_a_new_intent_has_no_recall_to_lose() -> None:
    candidate = {
        "sets": {
            "test_nlu.yml": scores(0.90, 0.88, {"greet": 1.0, "my_appeals": 0.8, "new": 0.0}),
            "test_nlu_blind.yml": scores(0.93, 0.91, {"greet": 1.0, "my_appeals": 0.90}),
        }
    }
    assert _judge(candidate, SERVING).passed


PINNED = "test_nlu_pinned.yml"


def _pinned(missed: list[tuple[str, str, str]], accuracy: float = 1.0) -> dict[str, Any]:
    """The pinned set's scores and its missed phrases (text, gold intent, answered intent)."""
    return {
        **scores(accuracy, accuracy, {"forget_me": accuracy}),
        "missed": [{"text": t, "intent": i, "answered": a} for t, i, a in missed],
    }


def _with_pinned(report: dict[str, Any], pinned: dict[str, Any]) -> dict[str, Any]:
    return {"sets": {**report["sets"], PINNED: pinned}}


def _strict(candidate: dict[str, Any], serving: dict[str, Any] | None) -> Verdict:
    return judge(
        candidate,
        serving,
        overall_tolerance=0.01,
        recall_tolerance=0.05,
        min_lost=4,
        strict_sets=frozenset({PINNED}),
    )


def test_one_pinned_phrase_lost_refuses_and_names_the_phrase() -> None:
    lost = ("удалите мои данные", "forget_me", "out_of_scope")
    verdict = _strict(
        _with_pinned(SERVING, _pinned([lost], 0.99)), _with_pinned(SERVING, _pinned([]))
    )
    assert not verdict.passed
    [regression] = verdict.regressions
    assert (regression.set, regression.measure, regression.intent) == (
        PINNED,
        "phrase",
        "forget_me",
    )
    assert (regression.phrase, regression.answered, regression.lost) == (
        "удалите мои данные",
        "out_of_scope",
        1,
    )


def test_a_pinned_phrase_the_serving_model_missed_too_is_not_held_against_the_candidate() -> None:
    both = ("ну это самое", "nlu_fallback", "appeal_status")
    verdict = _strict(
        _with_pinned(SERVING, _pinned([both], 0.99)), _with_pinned(SERVING, _pinned([both], 0.99))
    )
    assert verdict.passed


def test_the_pinned_set_stays_out_of_the_pooled_counts() -> None:
    """Ten pinned phrases lost are ten refusals by phrase, not also an accuracy and a recall
    loss of the held-out sets (pooled, 10 of 300 would be both)."""
    lost = [(f"фраза {n}", "forget_me", "greet") for n in range(10)]
    verdict = _strict(
        _with_pinned(SERVING, _pinned(lost, 0.90)), _with_pinned(SERVING, _pinned([]))
    )
    assert [(r.measure, r.phrase) for r in verdict.regressions] == [
        ("phrase", text) for text, _, _ in lost
    ]


def test_a_serving_report_without_its_misses_counts_as_having_missed_none() -> None:
    old_serving = {"sets": {**SERVING["sets"], PINNED: scores(1.0, 1.0, {"forget_me": 1.0})}}
    lost = ("удалите мои данные", "forget_me", "out_of_scope")
    assert not _strict(_with_pinned(SERVING, _pinned([lost], 0.99)), old_serving).passed


def test_with_nothing_serving_the_pinned_set_refuses_nothing() -> None:
    lost = ("удалите мои данные", "forget_me", "out_of_scope")
    assert _strict(_with_pinned(SERVING, _pinned([lost], 0.99)), None).passed
