"""The handoff payload's topic and reason; the rating payload; the fallback ladder."""

from __future__ import annotations

import pytest

from actions import texts
from actions.fallback import ActionNluFallback
from actions.handoff import ActionHandoff, ActionSaveRating
from tests.actions.conftest import make_tracker, run_action, user_event


@pytest.mark.parametrize(
    ("intent", "topic"),
    [
        ("password_reset", "access"),
        ("appeal_status", "appeals"),
        ("my_appeals", "appeals"),
        ("service_unavailable", "technical"),
        ("out_of_scope", "general"),
    ],
)
async def test_topic_from_the_latest_intent(intent: str, topic: str) -> None:
    tracker = make_tracker(intent=intent, text="помогите")
    _, messages = await run_action(ActionHandoff(), tracker)
    handoff = messages[0]["custom"]["handoff"]
    assert handoff["topic"] == topic
    assert handoff["reason"] == "escalation"
    assert "помогите" in handoff["summary"]


async def test_request_operator_keeps_the_topic_of_the_conversation() -> None:
    events = [
        user_event("password_reset", "не могу войти"),
        {"event": "bot", "text": "Проверьте раскладку"},
        user_event("request_operator", "/request_operator"),
    ]
    tracker = make_tracker(intent="request_operator", events=events)
    _, messages = await run_action(ActionHandoff(), tracker)
    handoff = messages[0]["custom"]["handoff"]
    assert (handoff["topic"], handoff["reason"]) == ("access", "requested")
    assert "не могу войти" in handoff["summary"]
    assert "/request_operator" not in handoff["summary"]


async def test_operator_after_overdue_notice_is_an_overdue_handoff() -> None:
    overdue = texts.APPEAL_OVERDUE.format(deadline="01.03.2026 12:00", reason="—")
    events = [
        user_event("appeal_status", "где заявление 2000000001"),
        {"event": "bot", "text": overdue},
        user_event("request_operator", "/request_operator"),
    ]
    tracker = make_tracker(intent="request_operator", events=events)
    _, messages = await run_action(ActionHandoff(), tracker)
    assert messages[0]["custom"]["handoff"]["reason"] == "overdue"


@pytest.mark.parametrize(("raw", "stored"), [("5", 5), (1, 1), ("9", None), ("плохо", None)])
async def test_rating(raw: object, stored: int | None) -> None:
    tracker = make_tracker(intent="rate", slots={"rating": raw})
    _, messages = await run_action(ActionSaveRating(), tracker)
    if stored is None:
        assert messages == [{**messages[0], "text": texts.RATING_INVALID}]
    else:
        assert messages[0]["custom"] == {"csat": {"rating": stored}}


async def test_first_miss_asks_to_rephrase_second_offers_an_operator() -> None:
    first = make_tracker(
        intent="nlu_fallback", events=[user_event("greet"), user_event("nlu_fallback")]
    )
    _, messages = await run_action(ActionNluFallback(), first)
    assert messages[0]["text"] == texts.FALLBACK_REPHRASE
    assert not messages[0]["buttons"]
    second = make_tracker(
        intent="nlu_fallback",
        events=[
            user_event("greet"),
            user_event("nlu_fallback"),
            {"event": "bot", "text": texts.FALLBACK_REPHRASE},
            user_event("nlu_fallback"),
        ],
    )
    _, messages = await run_action(ActionNluFallback(), second)
    assert messages[0]["text"] == texts.FALLBACK_OFFER_OPERATOR
    assert {"title": texts.BUTTON_OPERATOR, "payload": "/request_operator"} in messages[0][
        "buttons"
    ]
    understood_between = make_tracker(
        intent="nlu_fallback",
        events=[user_event("nlu_fallback"), user_event("greet"), user_event("nlu_fallback")],
    )
    _, messages = await run_action(ActionNluFallback(), understood_between)
    assert messages[0]["text"] == texts.FALLBACK_REPHRASE
