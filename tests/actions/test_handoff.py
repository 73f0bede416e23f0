"""The handoff payload's topic and reason; the offer to a question; the rating payload."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.handoff import ActionHandoff, ActionSaveRating
from actions.texts import TEXTS
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
    overdue = TEXTS.appeal_overdue.format(deadline="01.03.2026 12:00", reason="—")
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
        assert messages == [{**messages[0], "text": TEXTS.rating_invalid}]
    else:
        assert messages[0]["custom"] == {"csat": {"rating": stored}}


async def test_operator_pressed_under_the_guesses_is_a_fallback_handoff() -> None:
    events = [
        user_event("nlu_fallback", "ну а как тогда быть"),
        {"event": "bot", "text": TEXTS.fallback_guesses},
        user_event("request_operator", "/request_operator"),
    ]
    tracker = make_tracker(intent="request_operator", events=events)
    _, messages = await run_action(ActionHandoff(), tracker)
    assert messages[0]["custom"]["handoff"]["reason"] == "fallback"


@pytest.mark.parametrize(
    "question",
    ["Как связаться с оператором Госуслуг", "где найти живого человека", "можно оператора?"],
)
async def test_how_to_reach_an_operator_offers_the_connection_and_the_hotline(
    sessions: async_sessionmaker[AsyncSession], question: str
) -> None:
    tracker = make_tracker(intent="request_operator", text=question)
    _, messages = await run_action(ActionHandoff(sessions), tracker)
    assert "custom" not in messages[0] or not messages[0]["custom"]
    assert messages[0]["buttons"] == [
        {"title": TEXTS.button_connect_operator, "payload": "/request_operator"}
    ]
    assert "8 800 100-70-10" in messages[0]["text"]


@pytest.mark.parametrize("request_text", ["позовите оператора", "/request_operator"])
async def test_a_request_for_an_operator_connects_at_once(request_text: str) -> None:
    tracker = make_tracker(intent="request_operator", text=request_text)
    _, messages = await run_action(ActionHandoff(), tracker)
    assert messages[0]["custom"]["handoff"]["reason"] == "requested"


async def test_yes_to_the_offered_operator_is_a_request() -> None:
    tracker = make_tracker(intent="affirm", text="да")
    _, messages = await run_action(ActionHandoff(), tracker)
    assert messages[0]["custom"]["handoff"]["reason"] == "requested"
