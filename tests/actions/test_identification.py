"""Binding a chat through a verified phone share, and only through one."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.demo import DEMO_CITIZEN_PHONE
from actions.identification import ActionCheckBinding, ActionIdentify, ActionUnbind
from tests.actions.conftest import (
    FACTS,
    IVANOV_CHAT,
    clock,
    consent_given,
    make_tracker,
    run_action,
    slot_events,
)


def share(phone: str, verified: bool) -> dict[str, object]:
    return {"channel": "telegram", "contact": {"phone": phone, "verified": verified}}


async def test_verified_contact_binds_the_chat(demo: async_sessionmaker[AsyncSession]) -> None:
    await consent_given(demo, IVANOV_CHAT)
    tracker = make_tracker(
        IVANOV_CHAT, intent="share_contact", metadata=share("8 999 000-00-01", verified=True)
    )
    events, messages = await run_action(ActionIdentify(demo, clock, FACTS), tracker)
    assert slot_events(events) == {"citizen_bound": True}
    assert "Иван" in messages[0]["text"]
    events, _ = await run_action(ActionCheckBinding(demo, clock, FACTS), make_tracker(IVANOV_CHAT))
    assert slot_events(events) == {"citizen_bound": True}


async def test_unverified_contact_does_not_bind(demo: async_sessionmaker[AsyncSession]) -> None:
    await consent_given(demo, IVANOV_CHAT)
    tracker = make_tracker(
        IVANOV_CHAT, intent="share_contact", metadata=share(DEMO_CITIZEN_PHONE, verified=False)
    )
    events, messages = await run_action(ActionIdentify(demo, clock, FACTS), tracker)
    assert slot_events(events) == {"citizen_bound": False}
    assert "Поделиться номером" in messages[0]["text"]
    events, _ = await run_action(ActionCheckBinding(demo, clock, FACTS), make_tracker(IVANOV_CHAT))
    assert slot_events(events) == {"citizen_bound": False}


async def test_unknown_phone_and_missing_contact(demo: async_sessionmaker[AsyncSession]) -> None:
    await consent_given(demo, IVANOV_CHAT)
    unknown = make_tracker(IVANOV_CHAT, metadata=share("+79161112233", verified=True))
    events, messages = await run_action(ActionIdentify(demo, clock, FACTS), unknown)
    assert slot_events(events) == {"citizen_bound": False}
    assert "не найдена" in messages[0]["text"]
    events, _ = await run_action(ActionIdentify(demo, clock, FACTS), make_tracker(IVANOV_CHAT))
    assert slot_events(events) == {"citizen_bound": False}


async def test_unbind_removes_the_binding(demo: async_sessionmaker[AsyncSession]) -> None:
    await consent_given(demo, IVANOV_CHAT)
    tracker = make_tracker(IVANOV_CHAT, metadata=share(DEMO_CITIZEN_PHONE, verified=True))
    await run_action(ActionIdentify(demo, clock, FACTS), tracker)
    events, _ = await run_action(ActionUnbind(demo, clock, FACTS), make_tracker(IVANOV_CHAT))
    assert slot_events(events) == {"citizen_bound": False}
    events, _ = await run_action(ActionCheckBinding(demo, clock, FACTS), make_tracker(IVANOV_CHAT))
    assert slot_events(events) == {"citizen_bound": False}
