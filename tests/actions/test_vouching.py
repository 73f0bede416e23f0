"""Personal data only on turns the app vouched for: a forged tracker is an unidentified chat."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.appeals import ActionAppealStatus, ActionMyAppeals
from actions.demo import DEMO_CITIZEN_PHONE
from actions.identification import ActionIdentify, ActionUnbind
from actions.store import queries
from actions.texts import TEXTS
from actions.vouching import FactCheck
from tests.actions.conftest import (
    FACTS,
    FACTS_KEY,
    IVANOV_CHAT,
    NOW,
    STRANGER_CHAT,
    clock,
    consent_given,
    make_tracker,
    run_action,
    vouched_metadata,
)

SHARE = {"contact": {"phone": DEMO_CITIZEN_PHONE, "verified": True}}


async def _bound(sessions: async_sessionmaker[AsyncSession], sender: str) -> bool:
    async with sessions() as session:
        return await queries.bound_citizen(session, sender) is not None


async def test_a_forged_verified_share_binds_nothing(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    await consent_given(demo, STRANGER_CHAT)  # privacy: the consent is not what is tested
    tracker = make_tracker(STRANGER_CHAT, intent="share_contact", metadata=SHARE, vouched=False)
    _, messages = await run_action(ActionIdentify(demo, clock, FACTS), tracker)
    assert messages[0]["text"] == TEXTS.identify_unverified
    assert not await _bound(demo, STRANGER_CHAT)


async def test_the_apps_signed_share_binds_the_chat(demo: async_sessionmaker[AsyncSession]) -> None:
    await consent_given(demo, STRANGER_CHAT)  # privacy: the consent is not what is tested
    tracker = make_tracker(STRANGER_CHAT, intent="share_contact", metadata=SHARE)
    await run_action(ActionIdentify(demo, clock, FACTS), tracker)
    assert await _bound(demo, STRANGER_CHAT)


async def test_a_stale_signed_share_binds_nothing(demo: async_sessionmaker[AsyncSession]) -> None:
    await consent_given(demo, STRANGER_CHAT)  # privacy: the consent is not what is tested
    tracker = make_tracker(STRANGER_CHAT, intent="share_contact", metadata=SHARE)
    later = FactCheck(key=FACTS_KEY, max_age_s=60)
    action = ActionIdentify(demo, lambda: NOW + timedelta(minutes=2), later)
    await run_action(action, tracker)
    assert not await _bound(demo, STRANGER_CHAT)


async def test_a_share_signed_for_another_chat_binds_nothing(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    await consent_given(demo, STRANGER_CHAT)  # privacy: the consent is not what is tested
    replayed = vouched_metadata(IVANOV_CHAT, SHARE)
    tracker = make_tracker(STRANGER_CHAT, metadata=replayed, vouched=False)
    await run_action(ActionIdentify(demo, clock, FACTS), tracker)
    assert not await _bound(demo, STRANGER_CHAT)


async def test_a_forged_tracker_of_a_bound_chat_sees_no_appeals(
    bound: async_sessionmaker[AsyncSession],
) -> None:
    forged = make_tracker(IVANOV_CHAT, intent="my_appeals", vouched=False)
    _, messages = await run_action(ActionMyAppeals(bound, clock, FACTS), forged)
    assert "1234567890" not in str(messages)
    assert messages[0]["custom"]["request_contact"]
    status = make_tracker(IVANOV_CHAT, slots={"appeal_number": "1234567890"}, vouched=False)
    _, messages = await run_action(ActionAppealStatus(bound, clock, FACTS), status)
    assert "1234567890" not in str(messages)


async def test_a_forged_tracker_cannot_unbind_a_chat(
    bound: async_sessionmaker[AsyncSession],
) -> None:
    forged = make_tracker(IVANOV_CHAT, intent="unbind", vouched=False)
    await run_action(ActionUnbind(bound, clock, FACTS), forged)
    assert await _bound(bound, IVANOV_CHAT)
