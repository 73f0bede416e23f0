"""Consent, its withdrawal and forget-me end to end, through the real Rasa and action server.

Telegram and Viber run against their local fakes, the web chat over its websocket. After
«удалите мои данные» every table of the product (walked from the models' metadata, so a new
table is covered too) and Rasa's own tracker store are searched for the chat: only the audit
line that the erasure happened remains, naming the chat by a keyed hash.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from actions import demo
from actions.store.models import AppealSubscription, Consent, MessengerBinding
from actions.texts import TEXTS
from bot.retention.forget import conversation_ref
from bot.retention.models import ErasureRequest
from bot.storage import create_engine
from handoff.models import AuditEntry
from tests.e2e.test_channels_e2e import (
    Channels,
    TelegramCitizen,
    ViberCitizen,
    running_channels,
)
from tests.e2e.webchat_client import open_chat, press, say
from tests.support import RasaProcess
from tests.walk import traces_in_tables, traces_in_tracker

pytestmark = pytest.mark.rasa

SECRET = "e2e-privacy-session-secret"
MARKER = "мой вопрос номер семь-семь-один-один"


def tracker_url(rasa: RasaProcess) -> str:
    """The SQLite tracker store the test Rasa was started with (tests/support.py)."""
    return f"sqlite:///{rasa.endpoints.parent / 'tracker.db'}"


@pytest.fixture
async def channels(rasa: RasaProcess, demo_database: str) -> AsyncIterator[Channels]:
    """Telegram, Viber and the web chat on one app that erases from Rasa's real tracker store."""
    async with running_channels(
        rasa,
        demo_database,
        erasure_poll_s=0.2,
        flood_burst=100,  # the tests type faster than a citizen; the flood guard has its own
        session_secret=SecretStr(SECRET),
        tracker_store_url=tracker_url(rasa),
    ) as running:
        yield running


@pytest.fixture
async def engine(demo_database: str) -> AsyncIterator[AsyncEngine]:
    """A second engine on the app's database, to look at what is stored."""
    engine = create_engine(demo_database)
    yield engine
    await engine.dispose()


def citizen_of(kind: str, channels: Channels) -> TelegramCitizen | ViberCitizen:
    return TelegramCitizen(channels) if kind == "telegram" else ViberCitizen(channels)


def chat_channel(conversation_id: str) -> str:
    return conversation_id.split(":", 1)[0]


def chat_id_of(conversation_id: str) -> str:
    return conversation_id.split(":", 1)[1]


async def count(channels: Channels, table: type, column: object, value: str) -> int:
    async with channels.sessions() as session:
        query = select(func.count()).select_from(table).where(column == value)  # type: ignore[arg-type]
        return int(await session.scalar(query) or 0)


async def erased(channels: Channels, conversation_id: str, timeout_s: float = 30) -> None:
    """Wait until the app has carried out the chat's erasure request."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not await count(
            channels, ErasureRequest, ErasureRequest.conversation_id, conversation_id
        ):
            async with channels.sessions() as session:
                done = await session.scalar(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.action == "forget")
                    .where(AuditEntry.detail["conversation"].as_string() == ref(conversation_id))
                )
            if done:
                return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{conversation_id} was not erased")


def ref(conversation_id: str) -> str:
    return conversation_ref(SECRET, conversation_id)


async def consent_and_bind(citizen: TelegramCitizen | ViberCitizen) -> None:
    """Ask for a status, agree, share the phone: the chat is bound."""
    await citizen.say(f"какой статус у заявления {demo.APPEAL_IN_PROGRESS}")
    answers = await citizen.press("Согласен")
    assert TEXTS.consent_agreed in answers, answers
    answers = await citizen.share_phone(demo.DEMO_CITIZEN_PHONE)
    assert any("Номер подтверждён" in a for a in answers), answers


@pytest.mark.parametrize(
    ("kind", "revoke"), [("telegram", "/revoke"), ("viber", "отозвать согласие")]
)
async def test_consent_comes_before_the_phone_and_revoking_it_ends_binding_and_subscriptions(
    channels: Channels, kind: str, revoke: str
) -> None:
    citizen = citizen_of(kind, channels)
    number = demo.APPEAL_IN_PROGRESS
    answers = await citizen.say(f"какой статус у заявления {number}")
    assert any("https://" in a and "персональн" in a for a in answers), answers
    assert not citizen.offered_phone_request()
    assert TEXTS.status_labels["in_progress"] not in " ".join(answers)

    answers = await citizen.share_phone(demo.DEMO_CITIZEN_PHONE)  # shared without consent
    assert not any("Номер подтверждён" in a for a in answers), answers
    assert (
        await count(
            channels, MessengerBinding, MessengerBinding.messenger_user_id, citizen.conversation
        )
        == 0
    )

    answers = await citizen.press("Не согласен")
    assert any("Без согласия" in a for a in answers), answers
    assert not citizen.offered_phone_request()
    assert await count(channels, Consent, Consent.sender_id, citizen.conversation) == 0

    await citizen.say(f"какой статус у заявления {number}")
    answers = await citizen.press("Согласен")
    assert TEXTS.consent_agreed in answers, answers
    assert citizen.offered_phone_request()
    async with channels.sessions() as session:
        consent = await session.scalar(
            select(Consent).where(Consent.sender_id == citizen.conversation)
        )
    assert consent is not None
    assert (consent.channel, consent.revoked_at) == (kind, None)

    answers = await citizen.share_phone(demo.DEMO_CITIZEN_PHONE)
    assert any("Номер подтверждён" in a for a in answers), answers
    answers = await citizen.say(f"какой статус у заявления {number}")
    assert TEXTS.status_labels["in_progress"] in " ".join(answers), answers
    answers = await citizen.press("Подписаться на изменения")
    assert TEXTS.subscribed.format(number=number) in answers, answers

    answers = await citizen.say(revoke)
    assert TEXTS.consent_revoked in answers, answers
    conversation = citizen.conversation
    assert (
        await count(channels, MessengerBinding, MessengerBinding.messenger_user_id, conversation)
        == 0
    )
    assert (
        await count(channels, AppealSubscription, AppealSubscription.sender_id, conversation) == 0
    )
    async with channels.sessions() as session:
        consent = await session.scalar(select(Consent).where(Consent.sender_id == conversation))
    assert consent is not None
    assert consent.revoked_at is not None

    answers = await citizen.say(f"какой статус у заявления {number}")
    assert TEXTS.status_labels["in_progress"] not in " ".join(answers), answers
    assert any("персональн" in a for a in answers), answers  # the consent is asked again


async def assert_forgotten(
    channels: Channels, rasa: RasaProcess, engine: AsyncEngine, cid: str
) -> None:
    await erased(channels, cid)
    assert await traces_in_tables(engine, cid, chat_id_of(cid), (MARKER,)) == []
    assert await traces_in_tracker(tracker_url(rasa), cid, (MARKER,)) == 0
    async with channels.sessions() as session:
        lines = list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.detail["conversation"].as_string() == ref(cid))
            )
        )
    assert [(line.action, line.detail) for line in lines] == [
        (
            "forget",
            {"conversation": ref(cid), "channel": cid.split(":", maxsplit=1)[0], "by": "citizen"},
        )
    ]


@pytest.mark.parametrize(
    ("kind", "ask"), [("telegram", "удалите мои данные"), ("viber", "/forget")]
)
async def test_forget_me_leaves_no_trace_of_a_messenger_chat(
    channels: Channels, rasa: RasaProcess, engine: AsyncEngine, kind: str, ask: str
) -> None:
    citizen = citizen_of(kind, channels)
    await consent_and_bind(citizen)
    await citizen.say(f"статус заявления {demo.APPEAL_IN_PROGRESS}")
    await citizen.press("Подписаться на изменения")
    await citizen.say(MARKER)
    cid = citizen.conversation
    assert await traces_in_tracker(tracker_url(rasa), cid, (MARKER,)) > 0
    assert await traces_in_tables(engine, cid, chat_id_of(cid), (MARKER,))

    answers = await citizen.say(ask)
    assert any("Удалить все данные" in a for a in answers), answers
    answers = await citizen.press("Да, удалить")
    assert TEXTS.forget_done in answers, answers
    await assert_forgotten(channels, rasa, engine, cid)

    answers = await citizen.say(f"какой статус у заявления {demo.APPEAL_IN_PROGRESS}")
    assert TEXTS.status_labels["in_progress"] not in " ".join(answers), answers
    assert any("персональн" in a for a in answers), answers  # a stranger again: consent first


async def test_forget_me_in_the_web_chat_after_a_change_of_mind(
    channels: Channels, rasa: RasaProcess, engine: AsyncEngine
) -> None:
    socket, chat = await open_chat(channels.http, channels.server)
    cid = f"webchat:{chat}"
    try:
        await say(socket, MARKER)
        question = await say(socket, "удалите мои данные")
        titles = {b["title"]: b["payload"] for b in question["buttons"]}
        kept = await press(socket, titles["Нет, оставить"], "Нет, оставить")
        assert "ничего не удаляю" in kept["text"]
        assert await traces_in_tables(engine, cid, chat, (MARKER,))

        question = await say(socket, "удалите мои данные")
        done = await press(socket, titles["Да, удалить"], "Да, удалить")
        assert done["text"] == TEXTS.forget_done
        await assert_forgotten(channels, rasa, engine, cid)
    finally:
        await socket.close()
