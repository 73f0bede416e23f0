"""Doubt becomes a choice: the best guesses as buttons, «Другое», the operator on a second miss."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Tracker

from actions.dialogue_content import load_dialogue_content
from actions.fallback import ActionDefaultFallback, ActionNluFallback, guess_payload
from actions.texts import TEXTS
from tests.actions.conftest import make_tracker, run_action, user_event

OPERATOR = {"title": TEXTS.button_operator, "payload": "/request_operator"}
OTHER = {"title": TEXTS.button_something_else, "payload": "/something_else"}
TITLES = load_dialogue_content().intent_titles


def doubtful(
    text: str,
    ranking: list[tuple[str, float]],
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A turn the FallbackClassifier marked `nlu_fallback`, with the model's ranking under it."""
    tracker = make_tracker(intent="nlu_fallback", text=text, entities=entities, events=events)
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.6},
        *({"name": name, "confidence": confidence} for name, confidence in ranking),
    ]
    return tracker


async def test_doubt_shows_the_best_guesses_in_plain_russian_with_operator_and_other() -> None:
    tracker = doubtful(
        "у меня тут с заявлением и сайтом",
        [("appeal_status", 0.41), ("service_unavailable", 0.38), ("greet", 0.1), ("help", 0.06)],
    )
    _, messages = await run_action(ActionNluFallback(), tracker)
    assert messages[0]["text"] == TEXTS.fallback_guesses
    assert messages[0]["buttons"] == [
        {"title": TITLES["appeal_status"], "payload": "/appeal_status"},
        {"title": TITLES["service_unavailable"], "payload": "/service_unavailable"},
        {"title": TITLES["help"], "payload": "/help"},
        OPERATOR,
        OTHER,
    ]
    assert "не понял" not in messages[0]["text"]


async def test_a_guess_carries_the_entities_the_message_already_gave() -> None:
    tracker = doubtful(
        "налоговая 502 сайт",
        [("service_unavailable", 0.5), ("out_of_scope", 0.4)],
        entities=[{"entity": "service", "value": "tax"}, {"entity": "snils", "value": "x"}],
    )
    _, messages = await run_action(ActionNluFallback(), tracker)
    payloads = [button["payload"] for button in messages[0]["buttons"]]
    assert payloads[0] == '/service_unavailable{"service":"tax"}'
    assert all("snils" not in payload for payload in payloads)


def test_a_password_guess_carries_the_login_problem_the_citizen_named() -> None:
    message = {"text": "смс так и не пришла", "entities": []}
    payload = guess_payload("password_reset", message, load_dialogue_content())
    assert payload.startswith("/password_reset{")
    assert json.loads(payload.removeprefix("/password_reset")) == {"login_problem": "no_code"}


async def test_a_thin_ranking_is_filled_with_the_main_topics() -> None:
    tracker = doubtful("ну", [("greet", 0.9)])
    _, messages = await run_action(ActionNluFallback(), tracker)
    guesses = [b["payload"] for b in messages[0]["buttons"] if b not in (OPERATOR, OTHER)]
    assert guesses == ["/password_reset", "/appeal_status", "/service_unavailable"]


async def test_second_miss_in_a_row_puts_the_operator_first() -> None:
    events = [
        user_event("greet"),
        user_event("nlu_fallback", "эм"),
        {"event": "bot", "text": TEXTS.fallback_guesses},
        user_event("something_else", "/something_else"),
        {"event": "bot", "text": "Опишите"},
        user_event("nlu_fallback", "ну как его"),
    ]
    tracker = doubtful("ну как его", [("appeal_status", 0.3)], events=events)
    _, messages = await run_action(ActionNluFallback(), tracker)
    assert messages[0]["text"] == TEXTS.fallback_offer_operator
    assert messages[0]["buttons"][0] == OPERATOR


async def test_an_understood_turn_between_misses_starts_the_count_again() -> None:
    events = [user_event("nlu_fallback"), user_event("greet"), user_event("nlu_fallback")]
    tracker = doubtful("хм", [("appeal_status", 0.3)], events=events)
    _, messages = await run_action(ActionNluFallback(), tracker)
    assert messages[0]["text"] == TEXTS.fallback_guesses


async def test_core_fallback_offers_the_guesses_and_undoes_the_turn() -> None:
    tracker = make_tracker(intent="affirm", text="ага")
    events, messages = await run_action(ActionDefaultFallback(), tracker)
    assert events == [{"event": "rewind", "timestamp": None}]
    assert OPERATOR in messages[0]["buttons"]
    assert OTHER in messages[0]["buttons"]
