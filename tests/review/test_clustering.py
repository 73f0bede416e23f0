"""Similar queued messages are handled together: lemmas, TF-IDF, cosine, a threshold."""

from __future__ import annotations

from review.clustering import cluster


def test_messages_that_differ_in_word_forms_and_masked_numbers_fall_together() -> None:
    texts = [
        "где мое заявление",
        "где моё заявление номер <номер обращения>",
        "не могу войти в госуслуги",
        "не могу зайти на госуслуги",
        "сайт лежит",
        "заявления где",
    ]
    assert cluster(texts) == [[0, 1, 5], [2, 3], [4]]


def test_unrelated_messages_stay_apart_and_order_is_stable() -> None:
    texts = ["привет", "сайт лежит", "оператора позовите"]
    assert cluster(texts) == [[0], [1], [2]]
    assert cluster(texts) == cluster(list(texts))


def test_a_higher_threshold_splits_what_a_lower_one_joins() -> None:
    texts = ["где мое заявление", "где мое заявление номер <номер обращения> срочно"]
    assert cluster(texts, threshold=0.3) == [[0, 1]]
    assert cluster(texts, threshold=0.99) == [[0], [1]]
