"""A message of function words only is a doubt when DIET calls it a task; small talk is left."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.contentless import ContentlessMessageGuard, is_contentless, is_wordless

GUARD = ContentlessMessageGuard(ContentlessMessageGuard.get_default_config())
HEDGES = frozenset(ContentlessMessageGuard.get_default_config()["hedges"])


@pytest.mark.parametrize(
    "text", ["ну как бы это", "ээ ну вот", "а что там", "ну я хотел спросить", "так это самое"]
)
def test_function_words_only_name_no_request(text: str) -> None:
    assert is_contentless(text, HEDGES)


@pytest.mark.parametrize(
    "text",
    [
        "где мое заявление",
        "не могу войти",
        "сайт не работает",
        "позовите оператора",
        "1234567890",
        "как оплатить штраф",
        "",
    ],
)
def test_a_word_that_names_something_is_content(text: str) -> None:
    assert not is_contentless(text, HEDGES)


def _parsed(text: str, intent: str, entities: list[dict[str, object]] | None = None) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.99}, add_to_output=True)
    message.set("entities", entities or [], add_to_output=True)
    return message


def test_a_task_intent_for_a_contentless_message_loses_its_confidence() -> None:
    [message] = GUARD.process([_parsed("ну это как бы вот", "appeal_status")])
    assert message.get("intent") == {"name": "appeal_status", "confidence": 0.0}


def test_small_talk_and_messages_with_entities_keep_their_confidence() -> None:
    greet, number = GUARD.process(
        [
            _parsed("здравствуйте", "greet"),
            _parsed("ну вот", "appeal_status", [{"entity": "appeal_number", "value": "1"}]),
        ]
    )
    assert greet.get("intent")["confidence"] == 0.99
    assert number.get("intent")["confidence"] == 0.99


def test_a_real_request_keeps_its_confidence() -> None:
    [message] = GUARD.process([_parsed("где мое заявление", "appeal_status")])
    assert message.get("intent")["confidence"] == 0.99


@pytest.mark.parametrize("text", ["😀😀😀", "🙂🙂", "???", ".", " 👍 "])
def test_a_message_without_a_word_is_a_doubt_whatever_the_intent(text: str) -> None:
    assert is_wordless(text)
    [message] = GUARD.process([_parsed(text, "affirm")])
    assert message.get("intent") == {"name": "affirm", "confidence": 0.0}


@pytest.mark.parametrize("text", ["ок", "1", "", "   ", "да 👍"])
def test_a_word_or_a_digit_is_not_wordless(text: str) -> None:
    assert not is_wordless(text)
