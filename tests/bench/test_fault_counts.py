"""The fault bench's verdict per turn: answered, lost, duplicated, out of order, after «busy»."""

from __future__ import annotations

from typing import Any

from bench.load.drivers import BUSY
from bench.load.faults import Counts, assess_chat, turn_text
from bench.load.training import grow


def history(*turns: tuple[int, list[str]]) -> list[dict[str, Any]]:
    """Rasa tracker events: each numbered user turn followed by the bot's texts."""
    events: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    for number, answers in turns:
        events.append({"event": "user", "text": turn_text(number)})
        events += [{"event": "bot", "text": a} for a in answers]
    return events


def test_every_turn_answered_once_in_order_counts_clean() -> None:
    counts = Counts()
    assess_chat(
        history((0, ["Здравствуйте!"]), (1, ["Нужен номер"])),
        ["Здравствуйте!", "Нужен номер"],
        2,
        set(),
        counts,
    )
    assert (counts.answered_once, counts.lost, counts.duplicated, counts.out_of_order) == (
        2,
        0,
        0,
        0,
    )


def test_answer_missing_at_the_bot_api_is_lost() -> None:
    counts = Counts()
    assess_chat(
        history((0, ["Здравствуйте!"]), (1, ["Нужен номер"])), ["Здравствуйте!"], 2, set(), counts
    )
    assert counts.lost == 1
    assert counts.answered_once == 1


def test_turn_without_bot_answer_in_history_is_lost() -> None:
    counts = Counts()
    assess_chat(history((0, ["Здравствуйте!"]), (1, [])), ["Здравствуйте!"], 2, set(), counts)
    assert counts.lost == 1


def test_answer_delivered_twice_is_duplicated() -> None:
    counts = Counts()
    assess_chat(
        history((0, ["Здравствуйте!"])), ["Здравствуйте!", "Здравствуйте!"], 1, set(), counts
    )
    assert counts.duplicated == 1


def test_turn_run_twice_by_rasa_is_duplicated() -> None:
    counts = Counts()
    events = history((0, ["Здравствуйте!"]), (0, ["Здравствуйте!"]))
    assess_chat(events, ["Здравствуйте!", "Здравствуйте!"], 1, set(), counts)
    assert counts.duplicated == 1


def test_answers_delivered_in_the_wrong_order_are_out_of_order() -> None:
    counts = Counts()
    assess_chat(history((0, ["Первый"]), (1, ["Второй"])), ["Второй", "Первый"], 2, set(), counts)
    assert counts.out_of_order == 1


def test_busy_notice_before_the_answer_is_counted_apart() -> None:
    counts = Counts()
    assess_chat(history((0, ["Здравствуйте!"])), [BUSY, "Здравствуйте!"], 1, {0}, counts)
    assert (counts.answered_after_busy, counts.answered_once, counts.busy_notices) == (1, 0, 1)


def test_split_answer_still_matches_its_parts() -> None:
    counts = Counts()
    assess_chat(history((0, ["Раз. Два."])), ["Раз.", "Два."], 1, set(), counts)
    assert counts.answered_once == 1


def test_phone_request_counts_by_the_text_in_its_payload() -> None:
    counts = Counts()
    events: list[dict[str, Any]] = [
        {"event": "user", "text": turn_text(0)},
        {
            "event": "bot",
            "text": None,
            "data": {"custom": {"request_contact": {"text": "Телефон?"}}},
        },
    ]
    assess_chat(events, ["Телефон?"], 1, set(), counts)
    assert (counts.answered_once, counts.lost) == (1, 0)


def test_grown_data_multiplies_intent_examples_only() -> None:
    text = (
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n'
        "    - привет\n    - [1234567890](appeal_number)\n"
        "- synonym: tax\n  examples: |\n    - налог\n"
    )
    grown, examples = grow(text, 4)
    assert examples == 8
    assert grown.count("налог") == 1
    assert "    - подскажите, [1234567890](appeal_number)" in grown
    assert len({line for line in grown.splitlines() if line.startswith("    - ")}) == 9
