"""Appeal status for the bound owner only; abuse limits; overdue handling; subscriptions."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.appeals import (
    ActionAppealStatus,
    ActionMyAppeals,
    ActionSubscribeStatus,
    ValidateAppealStatusForm,
)
from actions.demo import (
    APPEAL_OVERDUE,
    APPEAL_REJECTED,
    DEMO_APPEALS_BY_STATUS,
    OTHER_CITIZEN_APPEAL,
    REJECTION_REASON,
    UNKNOWN_APPEAL,
)
from actions.store.models import AppealStatus
from actions.texts import TEXTS
from tests.actions.conftest import (
    FACTS,
    IVANOV_CHAT,
    PETROVA_CHAT,
    STRANGER_CHAT,
    clock,
    make_tracker,
    run_action,
    slot_events,
)


async def status_of(
    sessions: async_sessionmaker[AsyncSession], chat: str, number: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    tracker = make_tracker(chat, intent="appeal_status", slots={"appeal_number": number})
    events, messages = await run_action(ActionAppealStatus(sessions, clock, FACTS), tracker)
    return slot_events(events), messages


@pytest.mark.parametrize("status", list(AppealStatus))
async def test_owner_sees_every_status(
    bound: async_sessionmaker[AsyncSession], status: AppealStatus
) -> None:
    number = DEMO_APPEALS_BY_STATUS[status]
    slots, messages = await status_of(bound, IVANOV_CHAT, number)
    assert slots["appeal_number"] == number
    text = str(messages[0]["text"])
    assert number in text
    assert TEXTS.status_labels[status.value] in text


async def test_rejected_appeal_tells_the_reason_and_how_to_appeal(
    bound: async_sessionmaker[AsyncSession],
) -> None:
    _, messages = await status_of(bound, IVANOV_CHAT, "ab 987654321")
    text = str(messages[0]["text"])
    assert APPEAL_REJECTED in text
    assert REJECTION_REASON in text
    assert "обжаловать" in text


async def test_unbound_chat_is_asked_to_identify(bound: async_sessionmaker[AsyncSession]) -> None:
    slots, messages = await status_of(
        bound, STRANGER_CHAT, DEMO_APPEALS_BY_STATUS[AppealStatus.APPROVED]
    )
    assert slots == {"citizen_bound": False}
    assert "request_contact" in messages[0]["custom"]
    assert "text" not in messages[0] or not messages[0]["text"]


async def test_someone_elses_number_reads_like_an_unknown_one(
    bound: async_sessionmaker[AsyncSession],
) -> None:
    foreign_slots, foreign = await status_of(bound, IVANOV_CHAT, OTHER_CITIZEN_APPEAL)
    unknown_slots, unknown = await status_of(bound, IVANOV_CHAT, UNKNOWN_APPEAL)
    assert foreign_slots == unknown_slots == {"appeal_number": None}
    assert [m["text"].replace(OTHER_CITIZEN_APPEAL, "N") for m in foreign] == [
        m["text"].replace(UNKNOWN_APPEAL, "N") for m in unknown
    ]
    assert foreign[0]["buttons"] == unknown[0]["buttons"]
    _, owner = await status_of(bound, PETROVA_CHAT, OTHER_CITIZEN_APPEAL)
    assert TEXTS.status_labels["in_progress"] in str(owner[0]["text"])


async def test_malformed_number(bound: async_sessionmaker[AsyncSession]) -> None:
    slots, messages = await status_of(bound, IVANOV_CHAT, "12-34")
    assert slots == {"appeal_number": None}
    assert messages[0]["text"] == TEXTS.appeal_number_malformed
    form = ValidateAppealStatusForm(bound, clock, FACTS)
    tracker = make_tracker(IVANOV_CHAT)
    assert await form.validate_appeal_number("12-34", CollectingDispatcher(), tracker, {}) == {
        "appeal_number": None
    }
    assert await form.validate_appeal_number(
        "№ 1234567890", CollectingDispatcher(), tracker, {}
    ) == {"appeal_number": "1234567890"}


@pytest.mark.parametrize(
    ("text", "entities", "requested", "extracted"),
    [
        ("номер 12-34", [], "appeal_number", {"appeal_number": "номер 12-34"}),
        (
            "да вот он 1234567890",
            [{"entity": "appeal_number", "value": "1234567890"}],
            "appeal_number",
            {},
        ),
        ("не помню номер", [], "appeal_number", {}),
        ("номер 12-34", [], None, {}),
    ],
)
async def test_an_answer_with_digits_but_no_number_is_kept_to_be_explained(
    bound: async_sessionmaker[AsyncSession],
    text: str,
    entities: list[dict[str, Any]],
    requested: str | None,
    extracted: dict[str, Any],
) -> None:
    form = ValidateAppealStatusForm(bound, clock, FACTS)
    tracker = make_tracker(
        IVANOV_CHAT, text=text, entities=entities, slots={"requested_slot": requested}
    )
    assert await form.extract_appeal_number(CollectingDispatcher(), tracker, {}) == extracted


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("сайт госуслуг выдает ошибку 502 при оплате госпошлины", "service_unavailable"),
        ("позовите оператора 24 на 7", "request_operator"),
    ],
)
async def test_a_new_request_with_digits_inside_the_form_is_not_taken_for_a_number(
    bound: async_sessionmaker[AsyncSession], text: str, intent: str
) -> None:
    form = ValidateAppealStatusForm(bound, clock, FACTS)
    tracker = make_tracker(
        IVANOV_CHAT, intent=intent, text=text, slots={"requested_slot": "appeal_number"}
    )
    assert await form.extract_appeal_number(CollectingDispatcher(), tracker, {}) == {}


async def test_the_identification_request_names_no_button_some_channel_lacks(
    bound: async_sessionmaker[AsyncSession],
) -> None:
    number = DEMO_APPEALS_BY_STATUS[AppealStatus.APPROVED]
    _, messages = await status_of(bound, STRANGER_CHAT, number)
    request = messages[0]["custom"]["request_contact"]
    assert request["button"] == TEXTS.button_share_phone
    assert TEXTS.button_share_phone not in request["text"]
    assert "нажмите" not in request["text"].lower()


async def test_overdue_apologises_with_reason_and_offers_an_operator(
    bound: async_sessionmaker[AsyncSession],
) -> None:
    _, messages = await status_of(bound, IVANOV_CHAT, APPEAL_OVERDUE)
    text = str(messages[0]["text"])
    assert "Приносим извинения" in text
    assert TEXTS.deadline_reasons["standard"] in text
    assert {"title": TEXTS.button_operator, "payload": "/request_operator"} in messages[0][
        "buttons"
    ]


async def test_my_appeals_lists_own_appeals_only(bound: async_sessionmaker[AsyncSession]) -> None:
    _, messages = await run_action(ActionMyAppeals(bound, clock, FACTS), make_tracker(IVANOV_CHAT))
    text = str(messages[0]["text"])
    for number in DEMO_APPEALS_BY_STATUS.values():
        assert number in text
    assert f"{APPEAL_OVERDUE} — В обработке{TEXTS.my_appeals_overdue_mark}" in text
    assert OTHER_CITIZEN_APPEAL not in text


async def test_subscribe_once_and_never_to_a_foreign_appeal(
    bound: async_sessionmaker[AsyncSession],
) -> None:
    number = DEMO_APPEALS_BY_STATUS[AppealStatus.IN_PROGRESS]
    tracker = make_tracker(IVANOV_CHAT, slots={"appeal_number": number})
    _, first = await run_action(ActionSubscribeStatus(bound, clock, FACTS), tracker)
    _, second = await run_action(ActionSubscribeStatus(bound, clock, FACTS), tracker)
    assert first[0]["text"] == TEXTS.subscribed.format(number=number)
    assert second[0]["text"] == TEXTS.already_subscribed.format(number=number)
    foreign = make_tracker(IVANOV_CHAT, slots={"appeal_number": OTHER_CITIZEN_APPEAL})
    _, messages = await run_action(ActionSubscribeStatus(bound, clock, FACTS), foreign)
    assert messages[0]["text"] == TEXTS.appeal_not_found.format(number=OTHER_CITIZEN_APPEAL)


async def test_five_failed_lookups_limit_the_chat(bound: async_sessionmaker[AsyncSession]) -> None:
    for attempt in range(5):
        _, messages = await status_of(bound, IVANOV_CHAT, f"999999999{attempt}")
        assert messages[0]["text"] != TEXTS.appeal_lookups_limited
    _, messages = await status_of(bound, IVANOV_CHAT, DEMO_APPEALS_BY_STATUS[AppealStatus.APPROVED])
    assert messages[0]["text"] == TEXTS.appeal_lookups_limited
    assert messages[0]["buttons"] == [
        {"title": TEXTS.button_operator, "payload": "/request_operator"}
    ]
    form = ValidateAppealStatusForm(bound, clock, FACTS)
    result = await form.validate_appeal_number(
        "1234567890", CollectingDispatcher(), make_tracker(IVANOV_CHAT), {}
    )
    assert result == {"appeal_number": None}
    _, other_chat = await status_of(bound, PETROVA_CHAT, OTHER_CITIZEN_APPEAL)
    assert other_chat[0]["text"] != TEXTS.appeal_lookups_limited
