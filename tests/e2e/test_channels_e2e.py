"""Telegram and Viber end to end: fake messenger API → our webhook → Rasa → actions → reply.

The messengers are the local fakes of `tests/adapters` (they validate every API call); the app,
Rasa, the action server and the demo database are real. A citizen's turn is over when the
inbox item is processed and every reply of the conversation left the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions import demo
from actions.dialogue_content import load_dialogue_content, load_out_of_scope
from actions.texts import TEXTS
from adapters.telegram.webhook import SECRET_HEADER
from adapters.viber import signature
from adapters.viber.webhook import SIGNATURE_HEADER
from bot.app import create_app
from bot.keys import SESSIONS
from bot.models import InboxItem, ItemStatus, OutboxItem
from bot.settings import Settings
from bot.storage import session_scope
from handoff.models import OperatorGroup
from tests.adapters.conftest import TOKEN, VIBER_TOKEN
from tests.adapters.fake_telegram import FakeTelegram, citizen_message
from tests.adapters.fake_viber import FakeViber
from tests.support import RASA_TOKEN, RasaProcess

pytestmark = pytest.mark.rasa

TELEGRAM_SECRET = "e2e-Telegram_secret"
ROUND_THE_CLOCK = {
    kind: {"open": "00:00", "close": "24:00"} for kind in ("weekday", "weekend", "holiday")
}
_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)


@dataclass
class Channels:
    """The running app with both messengers wired to their fakes."""

    server: TestServer
    http: aiohttp.ClientSession
    telegram: FakeTelegram
    viber: FakeViber

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The app's database sessions."""
        return self.server.app[SESSIONS]


@contextlib.asynccontextmanager
async def running_channels(
    rasa: RasaProcess, demo_database: str, **settings_extra: Any
) -> AsyncIterator[Channels]:
    """The app with Telegram (webhook mode) and Viber at fake APIs; `settings_extra` on top."""
    telegram = FakeTelegram()
    telegram.base_url = await telegram.start()
    viber = FakeViber(VIBER_TOKEN)
    await viber.start()
    settings = Settings(
        _env_file=None,
        database_url=demo_database,
        rasa_url=rasa.url,
        rasa_token=SecretStr(RASA_TOKEN),
        router_poll_interval_s=0.2,
        retry_backoff_max_s=1.0,
        rasa_timeout_s=20,
        telegram_token=SecretStr(TOKEN),
        telegram_webhook_secret=SecretStr(TELEGRAM_SECRET),
        telegram_api_url=telegram.base_url,
        viber_token=SecretStr(VIBER_TOKEN),
        viber_api_url=viber.base_url,
        **settings_extra,
    )
    server = TestServer(await create_app(settings), host="127.0.0.1")
    await server.start_server()
    async with session_scope_for(server) as session:
        # whatever the hour the test runs at, operators are on shift
        await session.execute(update(OperatorGroup).values(hours=ROUND_THE_CLOCK))
    async with aiohttp.ClientSession() as http:
        yield Channels(server, http, telegram, viber)
    await server.close()
    await telegram.close()
    await viber.close()
    assert telegram.violations == []
    assert viber.violations == []


@pytest.fixture
async def channels(rasa: RasaProcess, demo_database: str) -> AsyncIterator[Channels]:
    """The app with Telegram (webhook mode) and Viber, both pointing at fake APIs."""
    async with running_channels(rasa, demo_database) as running:
        yield running


def session_scope_for(server: TestServer) -> Any:
    """A committing session on the app's database."""
    return session_scope(server.app[SESSIONS])


async def settled(channels: Channels, conversation_id: str, timeout_s: float = 60) -> None:
    """Wait until every inbox item of the chat is processed and every reply left the outbox."""
    deadline = time.monotonic() + timeout_s
    open_states = (ItemStatus.PENDING, ItemStatus.SENDING)
    while time.monotonic() < deadline:
        async with channels.sessions() as session:
            inbox = await session.scalar(
                select(func.count())
                .select_from(InboxItem)
                .where(InboxItem.conversation_id == conversation_id)
                .where(InboxItem.status.in_(open_states))
            )
            outbox = await session.scalar(
                select(func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.conversation_id == conversation_id)
                .where(OutboxItem.status.in_(open_states))
            )
        if inbox == 0 and outbox == 0:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{conversation_id} did not settle")


class Citizen(Protocol):
    """A citizen in one messenger, as the tests drive them."""

    async def say(self, text: str) -> list[str]:
        """Type a message; the texts of all the answers to it."""

    async def press(self, title: str) -> list[str]:
        """Press a button of the last keyboard."""

    async def share_phone(self, phone: str, *, own: bool = True) -> list[str]:
        """Share a phone (through our request when `own`, else a contact card)."""


@dataclass
class TelegramCitizen:
    """A Telegram user whose updates go to our webhook; replies read from the fake Bot API."""

    channels: Channels
    user_id: int = field(default_factory=lambda: next(_ids))
    seen: int = 0

    @property
    def conversation(self) -> str:
        return f"telegram:{self.user_id}"

    def replies(self) -> list[dict[str, Any]]:
        return [c for c in self.channels.telegram.sent() if str(c["chat_id"]) == str(self.user_id)]

    async def post(self, update: dict[str, Any], secret: str = TELEGRAM_SECRET) -> int:
        url = self.channels.server.make_url("/telegram/webhook")
        headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
        async with self.channels.http.post(url, data=json.dumps(update), headers=headers) as r:
            return r.status

    def message(self, **content: Any) -> dict[str, Any]:
        return citizen_message(next(_ids), self.user_id, **content)

    async def turn(self, update: dict[str, Any]) -> list[str]:
        assert await self.post(update) == 200
        await asyncio.sleep(0.3)
        await settled(self.channels, self.conversation)
        new = self.replies()[self.seen :]
        self.seen += len(new)
        return [c["text"] for c in new]

    async def say(self, text: str) -> list[str]:
        return await self.turn(self.message(text=text))

    async def press(self, title: str) -> list[str]:
        for call in reversed(self.replies()):
            markup = json.loads(call.get("reply_markup") or "{}")
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        update_id = next(_ids)
                        user = {"id": self.user_id, "is_bot": False, "first_name": "Иван"}
                        chat = {"id": self.user_id, "type": "private"}
                        return await self.turn(
                            {
                                "update_id": update_id,
                                "callback_query": {
                                    "id": f"cq{update_id}",
                                    "from": user,
                                    "chat_instance": "ci",
                                    "data": button["callback_data"],
                                    "message": {
                                        "message_id": 1,
                                        "date": 1,
                                        "chat": chat,
                                        "text": "?",
                                    },
                                },
                            }
                        )
        raise AssertionError(f"no button {title!r} was offered")

    def offered_phone_request(self) -> bool:
        return any(
            '"request_contact": true' in (c.get("reply_markup") or "") for c in self.replies()
        )

    async def share_phone(self, phone: str, *, own: bool = True) -> list[str]:
        owner = self.user_id if own else self.user_id + 1
        contact = {"phone_number": phone, "first_name": "Иван", "user_id": owner}
        return await self.turn(self.message(contact=contact))


@dataclass
class ViberCitizen:
    """A Viber user whose callbacks are signed and posted; replies read from the fake API."""

    channels: Channels
    user_id: str = field(default_factory=lambda: f"vb{next(_ids)}==")
    seen: int = 0

    @property
    def conversation(self) -> str:
        return f"viber:{self.user_id}"

    def replies(self) -> list[dict[str, Any]]:
        return [b for b in self.channels.viber.sent() if b["receiver"] == self.user_id]

    def last_tracking(self) -> str | None:
        replies = self.replies()
        return replies[-1].get("tracking_data") if replies else None

    async def post(self, body: dict[str, Any], *, sign: bool = True) -> tuple[int, str]:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        headers[SIGNATURE_HEADER] = signature(VIBER_TOKEN if sign else "forged", raw)
        url = self.channels.server.make_url("/viber/webhook")
        async with self.channels.http.post(url, data=raw, headers=headers) as response:
            return response.status, await response.text()

    def event(self, message: dict[str, Any]) -> dict[str, Any]:
        tracking = self.last_tracking()
        if tracking is not None:
            message = {**message, "tracking_data": tracking}
        return {
            "event": "message",
            "timestamp": int(time.time() * 1000),
            "message_token": next(_ids),
            "sender": {"id": self.user_id, "name": "Иван", "api_version": 10},
            "message": message,
        }

    async def turn(self, body: dict[str, Any]) -> list[str]:
        assert (await self.post(body))[0] == 200
        await asyncio.sleep(0.3)
        await settled(self.channels, self.conversation)
        new = self.replies()[self.seen :]
        self.seen += len(new)
        return [b["text"] for b in new if b["type"] == "text"]

    async def say(self, text: str) -> list[str]:
        return await self.turn(self.event({"type": "text", "text": text}))

    async def press(self, title: str) -> list[str]:
        for body in reversed(self.replies()):
            for button in (body.get("keyboard") or {}).get("Buttons", []):
                if button["Text"] == title and button["ActionType"] == "reply":
                    return await self.say(button["ActionBody"])
        raise AssertionError(f"no button {title!r} was offered")

    def offered_phone_request(self) -> bool:
        return any(
            b["ActionType"] == "share-phone"
            for body in self.replies()
            for b in (body.get("keyboard") or {}).get("Buttons", [])
        )

    async def share_phone(self, phone: str, *, own: bool = True) -> list[str]:
        message = {"type": "contact", "contact": {"name": "Иван", "phone_number": phone}}
        body = self.event(message)
        if not own:  # a contact card sent from the address book: not an answer to our request
            body["message"].pop("tracking_data", None)
        return await self.turn(body)


def offered_titles(citizen: TelegramCitizen | ViberCitizen) -> list[str]:
    """The button titles of the latest reply that had buttons."""
    if isinstance(citizen, TelegramCitizen):
        for call in reversed(citizen.replies()):
            markup = json.loads(call.get("reply_markup") or "{}")
            rows = markup.get("inline_keyboard", [])
            if rows:
                return [button["text"] for row in rows for button in row]
        return []
    for body in reversed(citizen.replies()):
        keyboard = (body.get("keyboard") or {}).get("Buttons", [])
        titles = [b["Text"] for b in keyboard if b["ActionType"] == "reply"]
        if titles:
            return titles
    return []


def citizen_of(kind: str, channels: Channels) -> TelegramCitizen | ViberCitizen:
    return TelegramCitizen(channels) if kind == "telegram" else ViberCitizen(channels)


KINDS = ["telegram", "viber"]


@pytest.mark.parametrize("kind", KINDS)
async def test_password_reset_through_a_button(channels: Channels, kind: str) -> None:
    citizen = citizen_of(kind, channels)
    answers = await citizen.say("не могу войти в личный кабинет")
    assert any("восстановим доступ" in a for a in answers), answers
    answers = await citizen.press("Забыл пароль")
    assert any("Забыли пароль" in a for a in answers), answers


@pytest.mark.parametrize("kind", KINDS)
async def test_appeal_status_after_phone_share(channels: Channels, kind: str) -> None:
    citizen = citizen_of(kind, channels)
    number = demo.APPEAL_IN_PROGRESS
    answers = await citizen.say(f"какой статус у заявления {number}")
    assert TEXTS.status_labels["in_progress"] not in " ".join(answers)
    answers = await citizen.press("Согласен")  # privacy: consent comes before the phone
    assert any("подтвердите" in a for a in answers), answers
    assert citizen.offered_phone_request()
    # the messenger has the phone-share button: no web-chat note sends the citizen elsewhere
    assert not any("В веб-чате" in a for a in answers), answers

    answers = await citizen.share_phone(demo.DEMO_CITIZEN_PHONE, own=False)
    assert any("Не удалось подтвердить" in a for a in answers), answers

    await citizen.say(f"статус заявления {number}")  # asks again for the phone
    answers = await citizen.share_phone(demo.DEMO_CITIZEN_PHONE)
    assert any("Номер подтверждён" in a for a in answers), answers

    answers = await citizen.say(f"какой статус у заявления {number}")
    joined = " ".join(answers)
    assert f"№ {number}" in joined, answers
    assert TEXTS.status_labels["in_progress"] in joined


@pytest.mark.parametrize("kind", KINDS)
async def test_service_unavailable(channels: Channels, kind: str) -> None:
    citizen = citizen_of(kind, channels)
    answers = await citizen.say("не работает сайт госуслуг, выдаёт ошибку")
    assert answers, "the citizen gets an answer"
    assert all(a.strip() for a in answers)


@pytest.mark.parametrize("kind", KINDS)
async def test_asking_for_an_operator_queues_the_chat(channels: Channels, kind: str) -> None:
    citizen = citizen_of(kind, channels)
    answers = await citizen.say("позовите оператора")
    assert any("очеред" in a for a in answers), answers


async def test_forged_requests_are_refused_and_not_answered(channels: Channels) -> None:
    telegram = TelegramCitizen(channels)
    assert await telegram.post(telegram.message(text="привет"), secret="forged") == 401
    viber = ViberCitizen(channels)
    status, _ = await viber.post(viber.event({"type": "text", "text": "привет"}), sign=False)
    assert status == 403
    await asyncio.sleep(2)
    assert telegram.replies() == []
    assert viber.replies() == []
    async with channels.sessions() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(InboxItem)
            .where(InboxItem.conversation_id.in_([telegram.conversation, viber.conversation]))
        )
    assert stored == 0


async def test_the_same_update_twice_is_answered_once(channels: Channels) -> None:
    telegram = TelegramCitizen(channels)
    update_ = telegram.message(text="спасибо")
    assert await telegram.post(update_) == 200
    once = await telegram.turn(update_)  # delivered again by Telegram
    viber = ViberCitizen(channels)
    body = viber.event({"type": "text", "text": "спасибо"})
    assert (await viber.post(body))[0] == 200
    twice = await viber.turn(body)
    assert once
    assert twice
    await asyncio.sleep(2)
    assert len(telegram.replies()) == len(once)
    assert len(viber.replies()) == len(twice)


async def test_bursts_of_errors_end_with_every_reply_delivered_once(channels: Channels) -> None:
    telegram = TelegramCitizen(channels)
    channels.telegram.fail(429, times=2, retry_after=1)
    channels.telegram.fail(500, times=2)
    answers = await telegram.say("привет")
    assert answers
    viber = ViberCitizen(channels)
    channels.viber.fail("rate", times=2)
    channels.viber.fail("5xx", times=2)
    assert await viber.say("привет")
    async with channels.sessions() as session:
        items = list(
            await session.scalars(
                select(OutboxItem).where(
                    OutboxItem.conversation_id.in_([telegram.conversation, viber.conversation])
                )
            )
        )
    assert {i.status for i in items} == {ItemStatus.DONE}
    by_channel = {c: [i for i in items if i.channel == c] for c in ("telegram", "viber")}
    # short greetings: one API message per outbox item, none twice
    assert len(telegram.replies()) == len(by_channel["telegram"])
    assert len(viber.replies()) == len(by_channel["viber"])


# ------------------------------------------------------------------ issue 11: the dialogue
GUESS_FLOW_MARKS = {
    "password_reset": "восстановим доступ",
    "appeal_status": "номер заявления",
    "my_appeals": "подтвердите",
    "subscribe_status": "подтвердите",
    "service_unavailable": "Известных сбоев",
    "support_contacts": "Горячая линия",
    "request_operator": "оператор",
    "out_of_scope": "помочь не смогу",
    "help": "Я могу помочь",
}


@pytest.mark.parametrize("kind", KINDS)
async def test_a_doubtful_message_offers_guess_buttons_and_a_guess_continues_its_flow(
    channels: Channels, kind: str
) -> None:
    citizen = citizen_of(kind, channels)
    answers = await citizen.say("😀😀😀")
    assert answers == [TEXTS.fallback_guesses]
    titles = offered_titles(citizen)
    assert TEXTS.button_operator in titles
    assert TEXTS.button_something_else in titles
    by_title = {title: intent for intent, title in load_dialogue_content().intent_titles.items()}
    guesses = [title for title in titles if title in by_title]
    assert 2 <= len(guesses) <= 3, titles
    flow = await citizen.press(guesses[0])
    mark = GUESS_FLOW_MARKS[by_title[guesses[0]]]
    assert any(mark in answer for answer in flow), (guesses[0], flow)


async def test_telegram_out_of_scope_question_gets_the_route_and_an_operator_button(
    channels: Channels,
) -> None:
    citizen = TelegramCitizen(channels)
    content = load_out_of_scope()
    answers = await citizen.say("как зарегистрировать ип")
    business = next(topic.route for topic in content.topics if topic.code == "business")
    assert any(business in answer for answer in answers), answers
    assert TEXTS.button_operator in offered_titles(citizen)
    assert any("очеред" in answer for answer in await citizen.press(TEXTS.button_operator))


async def test_telegram_how_to_reach_an_operator_offers_the_handoff_and_the_hotline(
    channels: Channels,
) -> None:
    citizen = TelegramCitizen(channels)
    answers = await citizen.say("как связаться с оператором")
    assert any("8 800 100-70-10" in answer for answer in answers), answers
    connect = next(
        title
        for title in offered_titles(citizen)
        if title in (TEXTS.button_connect_operator, TEXTS.button_operator)
    )
    assert any("очеред" in answer for answer in await citizen.press(connect))


async def test_telegram_login_problem_named_in_the_message_goes_straight_to_its_branch(
    channels: Channels,
) -> None:
    citizen = TelegramCitizen(channels)
    answers = await citizen.say("не приходит смс код для входа в госуслуги уже час")
    assert answers[0].startswith("Если код не приходит"), answers
    assert "Не приходит код" not in offered_titles(citizen)


async def test_telegram_new_request_inside_the_appeal_form_leaves_the_form(
    channels: Channels,
) -> None:
    citizen = TelegramCitizen(channels)
    ask = await citizen.say("как узнать статус заявления на загранпаспорт")
    assert any("номер заявления" in answer for answer in ask), ask
    answers = await citizen.say("сайт госуслуг выдает ошибку 502 при оплате госпошлины")
    assert answers[0].startswith(TEXTS.self_help.split("\n", 1)[0]), answers
    assert TEXTS.appeal_number_malformed not in answers
