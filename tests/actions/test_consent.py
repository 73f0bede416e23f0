"""Consent before identification (152-ФЗ), its withdrawal, and forget-me in the ticket store."""

from __future__ import annotations

from pathlib import Path

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.appeals import ActionAppealStatus, ActionSubscribeStatus
from actions.consent import (
    AGREE_PAYLOAD,
    DECLINE_PAYLOAD,
    ActionConsentAgree,
    ActionForgetMe,
    ActionRevokeConsent,
    ask_for_phone,
    load_consent,
    read_consent,
)
from actions.demo import APPEAL_IN_PROGRESS, DEMO_CITIZEN_PHONE
from actions.identification import ActionCheckBinding, ActionIdentify
from actions.store.models import AppealSubscription, Consent, MessengerBinding
from actions.texts import TEXTS
from bot.settings import PROJECT_ROOT
from bot.storage import session_scope
from tests.actions.conftest import (
    FACTS,
    IVANOV_CHAT,
    NOW,
    clock,
    make_tracker,
    run_action,
    slot_events,
)

SHARE = {"channel": "telegram", "contact": {"phone": DEMO_CITIZEN_PHONE, "verified": True}}


def is_consent_question(message: dict[str, object]) -> bool:
    payloads = {b["payload"] for b in message.get("buttons") or []}  # type: ignore[attr-defined]
    return payloads == {AGREE_PAYLOAD, DECLINE_PAYLOAD}


async def bound(sessions: async_sessionmaker[AsyncSession], chat: str) -> bool:
    events, _ = await run_action(ActionCheckBinding(sessions, clock, FACTS), make_tracker(chat))
    return bool(slot_events(events)["citizen_bound"])


async def test_without_consent_no_phone_is_asked_and_nothing_is_bound(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    tracker = make_tracker(IVANOV_CHAT, slots={"appeal_number": APPEAL_IN_PROGRESS})
    _, messages = await run_action(ActionAppealStatus(demo, clock, FACTS), tracker)
    assert len(messages) == 1
    assert is_consent_question(messages[0])
    assert "request_contact" not in (messages[0].get("custom") or {})
    consent = await load_consent()
    assert consent.policy_url in str(messages[0]["text"])

    share = make_tracker(IVANOV_CHAT, intent="share_contact", metadata=SHARE)
    events, messages = await run_action(ActionIdentify(demo, clock, FACTS), share)
    assert slot_events(events) == {"citizen_bound": False}
    assert is_consent_question(messages[0])
    assert not await bound(demo, IVANOV_CHAT)


async def test_consent_is_stored_with_time_channel_sender_and_version_then_the_phone_binds(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    agree = make_tracker(IVANOV_CHAT, intent="consent_agree", metadata={"channel": "telegram"})
    _, messages = await run_action(ActionConsentAgree(demo, clock, FACTS), agree)
    assert messages[0]["text"] == TEXTS.consent_agreed
    assert "request_contact" in messages[1]["custom"]
    async with demo() as session:
        rows = list(await session.scalars(select(Consent)))
    assert [(r.sender_id, r.channel, r.version, r.given_at, r.revoked_at) for r in rows] == [
        (IVANOV_CHAT, "telegram", (await load_consent()).version, NOW, None)
    ]
    share = make_tracker(IVANOV_CHAT, intent="share_contact", metadata=SHARE)
    events, _ = await run_action(ActionIdentify(demo, clock, FACTS), share)
    assert slot_events(events) == {"citizen_bound": True}
    await run_action(ActionConsentAgree(demo, clock, FACTS), agree)  # pressed twice: one record
    async with demo() as session:
        assert await session.scalar(select(func.count()).select_from(Consent)) == 1


async def test_a_new_version_of_the_text_asks_again(
    demo: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await run_action(ActionConsentAgree(demo, clock, FACTS), make_tracker(IVANOV_CHAT))
    changed = tmp_path / "consent.yml"
    original = (PROJECT_ROOT / "content" / "consent.yml").read_text(encoding="utf-8")
    changed.write_text(
        original.replace(f'version: "{(await load_consent()).version}"', 'version: "next"'),
        encoding="utf-8",
    )
    assert read_consent(changed).version == "next"
    for consent, asks_consent in ((await load_consent(), False), (read_consent(changed), True)):
        dispatcher = CollectingDispatcher()
        async with session_scope(demo) as session:
            await ask_for_phone(session, dispatcher, IVANOV_CHAT, consent)
        assert is_consent_question(dispatcher.messages[0]) is asks_consent


async def test_revoking_consent_ends_the_binding_and_the_subscriptions(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    await run_action(ActionConsentAgree(demo, clock, FACTS), make_tracker(IVANOV_CHAT))
    await run_action(ActionIdentify(demo, clock, FACTS), make_tracker(IVANOV_CHAT, metadata=SHARE))
    subscribe = make_tracker(IVANOV_CHAT, slots={"appeal_number": APPEAL_IN_PROGRESS})
    await run_action(ActionSubscribeStatus(demo, clock, FACTS), subscribe)
    async with demo() as session:
        assert await session.scalar(select(func.count()).select_from(AppealSubscription)) == 1

    events, messages = await run_action(
        ActionRevokeConsent(demo, clock, FACTS), make_tracker(IVANOV_CHAT)
    )
    assert messages[0]["text"] == TEXTS.consent_revoked
    assert slot_events(events) == {"citizen_bound": False}
    assert not await bound(demo, IVANOV_CHAT)
    async with demo() as session:
        assert await session.scalar(select(func.count()).select_from(AppealSubscription)) == 0
        consent = await session.scalar(select(Consent))
    assert consent is not None
    assert consent.revoked_at == NOW  # the evidence stays, withdrawn
    share = make_tracker(IVANOV_CHAT, intent="share_contact", metadata=SHARE)
    _, messages = await run_action(ActionIdentify(demo, clock, FACTS), share)
    assert is_consent_question(messages[0])  # asked again before anything is bound

    _, messages = await run_action(
        ActionRevokeConsent(demo, clock, FACTS), make_tracker(IVANOV_CHAT)
    )
    assert messages[0]["text"] == TEXTS.consent_nothing_to_revoke


async def test_forget_me_deletes_the_chat_from_the_ticket_store_and_tells_the_app(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    await run_action(ActionConsentAgree(demo, clock, FACTS), make_tracker(IVANOV_CHAT))
    await run_action(ActionIdentify(demo, clock, FACTS), make_tracker(IVANOV_CHAT, metadata=SHARE))
    subscribe = make_tracker(IVANOV_CHAT, slots={"appeal_number": APPEAL_IN_PROGRESS})
    await run_action(ActionSubscribeStatus(demo, clock, FACTS), subscribe)

    events, messages = await run_action(
        ActionForgetMe(demo, clock, FACTS), make_tracker(IVANOV_CHAT)
    )
    assert messages[0]["text"] == TEXTS.forget_done
    assert messages[0]["custom"] == {"forget": {}}
    assert slot_events(events) == {"citizen_bound": False}
    async with demo() as session:
        for table in (Consent, MessengerBinding, AppealSubscription):
            assert await session.scalar(select(func.count()).select_from(table)) == 0


async def test_turns_the_app_did_not_vouch_for_neither_consent_nor_revoke_nor_forget(
    demo: async_sessionmaker[AsyncSession],
) -> None:
    forged = make_tracker(IVANOV_CHAT, metadata={"channel": "telegram"}, vouched=False)
    _, messages = await run_action(ActionConsentAgree(demo, clock, FACTS), forged)
    assert is_consent_question(messages[0])
    async with demo() as session:
        assert await session.scalar(select(func.count()).select_from(Consent)) == 0

    await run_action(ActionConsentAgree(demo, clock, FACTS), make_tracker(IVANOV_CHAT))
    await run_action(ActionIdentify(demo, clock, FACTS), make_tracker(IVANOV_CHAT, metadata=SHARE))
    _, messages = await run_action(ActionRevokeConsent(demo, clock, FACTS), forged)
    assert messages[0]["text"] == TEXTS.consent_nothing_to_revoke
    events, messages = await run_action(ActionForgetMe(demo, clock, FACTS), forged)
    assert messages == [{**messages[0], "text": TEXTS.forget_not_vouched}]
    assert "custom" not in messages[0] or not messages[0]["custom"]
    assert events == []
    assert await bound(demo, IVANOV_CHAT)
    async with demo() as session:
        consent = await session.scalar(select(Consent))
    assert consent is not None
    assert consent.revoked_at is None
