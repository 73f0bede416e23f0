"""The regression gate refuses a worse candidate and says where it is worse."""

from __future__ import annotations

from publishing.gate import judge
from tests.publishing.conftest import scores

SERVING = {
    "sets": {
        "test_nlu.yml": scores(0.90, 0.88, {"greet": 1.0, "my_appeals": 0.80}),
        "test_nlu_blind.yml": scores(0.93, 0.91, {"greet": 1.0, "my_appeals": 0.90}),
    }
}


def test_a_candidate_as_good_within_tolerance_passes() -> None:
    candidate = {
        "sets": {
            "test_nlu.yml": scores(0.895, 0.875, {"greet": 1.0, "my_appeals": 0.76}),
            "test_nlu_blind.yml": scores(0.94, 0.92, {"greet": 1.0, "my_appeals": 0.90}),
        }
    }
    verdict = judge(candidate, SERVING, overall_tolerance=0.01, recall_tolerance=0.05)
    assert verdict.passed
    assert verdict.regressions == []
    recall = {(i.set, i.intent): (i.serving, i.candidate) for i in verdict.intents}
    assert recall[("test_nlu.yml", "my_appeals")] == (0.80, 0.76)


def test_one_intent_losing_recall_on_one_set_refuses_though_overall_improves() -> None:
    candidate = {
        "sets": {
            "test_nlu.yml": scores(0.95, 0.93, {"greet": 1.0, "my_appeals": 0.70}),
            "test_nlu_blind.yml": scores(0.95, 0.93, {"greet": 1.0, "my_appeals": 0.95}),
        }
    }
    verdict = judge(candidate, SERVING, overall_tolerance=0.01, recall_tolerance=0.05)
    assert not verdict.passed
    [regression] = verdict.regressions
    assert (regression.set, regression.measure, regression.intent) == (
        "test_nlu.yml",
        "recall",
        "my_appeals",
    )
    assert (regression.serving, regression.candidate) == (0.80, 0.70)


def test_overall_accuracy_or_macro_f1_dropping_refuses() -> None:
    candidate = {
        "sets": {
            "test_nlu.yml": scores(0.88, 0.86, {"greet": 1.0, "my_appeals": 0.80}),
            "test_nlu_blind.yml": scores(0.93, 0.91, {"greet": 1.0, "my_appeals": 0.90}),
        }
    }
    verdict = judge(candidate, SERVING, overall_tolerance=0.01, recall_tolerance=0.05)
    assert {(r.set, r.measure) for r in verdict.regressions} == {
        ("test_nlu.yml", "accuracy"),
        ("test_nlu.yml", "macro_f1"),
    }


def test_nothing_serving_yet_means_nothing_to_be_worse_than() -> None:
    candidate = {"sets": {"test_nlu.yml": scores(0.10, 0.10, {"greet": 0.1})}}
    verdict = judge(candidate, None, overall_tolerance=0.01, recall_tolerance=0.05)
    assert verdict.passed
    assert verdict.intents[0].serving is None


def test_a_new_intent_has_no_recall_to_lose() -> None:
    candidate = {
        "sets": {
            "test_nlu.yml": scores(0.90, 0.88, {"greet": 1.0, "my_appeals": 0.8, "new": 0.0}),
            "test_nlu_blind.yml": scores(0.93, 0.91, {"greet": 1.0, "my_appeals": 0.90}),
        }
    }
    assert judge(candidate, SERVING, overall_tolerance=0.01, recall_tolerance=0.05).passed
