"""The dialogue uses what the citizen said and turns doubt into a choice — in the web chat, end
to end (web chat → app → Rasa → action server), as the conversation findings of issue 11 go.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from actions import demo
from actions.dialogue_content import load_out_of_scope
from actions.store.models import Citizen
from actions.store.queries import bind_chat
from actions.texts import TEXTS
from adapters.webchat import texts as webchat_texts
from bot.storage import create_engine, create_session_factory, session_scope, utcnow
from tests.e2e.webchat_client import Frame, buttons, collect, open_chat, read_until, say_all

pytestmark = pytest.mark.rasa

Chat = tuple[aiohttp.ClientWebSocketResponse, str]

OPERATOR = {"title": TEXTS.button_operator, "payload": "/request_operator"}
OTHER = {"title": TEXTS.button_something_else, "payload": "/something_else"}
HOTLINE = "8 800 100-70-10"
FAILURE_502 = "сайт госуслуг выдает ошибку 502 при оплате госпошлины"
# What the first answer of each guessable flow starts with, or holds.
FLOW_MARKS = {
    "/password_reset": "восстановим доступ",
    "/appeal_status": "номер заявления",
    "/my_appeals": "подтвердите",
    "/subscribe_status": "подтвердите",
    "/service_unavailable": "Известных сбоев",
    "/support_contacts": "Горячая линия",
    "/request_operator": "оператор",
    "/out_of_scope": "помочь не смогу",
    "/help": "Я могу помочь",
}


@pytest.fixture
async def chat(app_server: TestServer) -> AsyncIterator[Chat]:
    """A fresh web chat: its own conversation in Rasa."""
    async with aiohttp.ClientSession() as http:
        socket, chat_id = await open_chat(http, app_server)
        yield socket, chat_id
        await socket.close()


async def press_all(
    socket: aiohttp.ClientWebSocketResponse, button: dict[str, str], quiet_s: float = 2.0
) -> list[Frame]:
    """Press a button; every answer of the turn."""
    await socket.send_json({"type": "button", "id": uuid.uuid4().hex, **button})
    await read_until(socket, lambda f: f["type"] == "ack")
    return await collect(socket, quiet_s)


def joined(frames: list[Frame]) -> str:
    """All the texts of a turn."""
    return "\n".join(str(frame.get("text") or "") for frame in frames)


async def _bind(database_url: str, chat_id: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            citizen = await session.scalar(
                select(Citizen).where(Citizen.phone == demo.DEMO_CITIZEN_PHONE)
            )
            assert citizen is not None
            await bind_chat(session, f"webchat:{chat_id}", citizen, "test", utcnow())
    finally:
        await engine.dispose()


async def test_a_doubtful_message_shows_guesses_and_a_guess_continues_its_flow(
    chat: Chat,
) -> None:
    socket, _ = chat
    frames = await say_all(socket, "😀😀😀")
    offered = buttons(frames)
    assert OPERATOR in offered
    assert OTHER in offered
    guesses = [b for b in offered if b not in (OPERATOR, OTHER)]
    assert 2 <= len(guesses) <= 3, offered
    assert "не понял" not in joined(frames)
    guess = guesses[0]
    flow = await press_all(socket, guess)
    assert FLOW_MARKS[guess["payload"].split("{", 1)[0]] in joined(flow), (guess, joined(flow))


async def test_other_asks_to_rephrase_and_a_second_miss_offers_the_operator(
    chat: Chat,
) -> None:
    socket, _ = chat
    await say_all(socket, "😀😀😀")
    rephrase = await press_all(socket, OTHER)
    assert "Опишите" in joined(rephrase)
    second = await say_all(socket, "🙂🙂")
    assert second[0]["text"] == TEXTS.fallback_offer_operator
    assert second[0]["buttons"][0] == OPERATOR
    queued = await press_all(socket, OPERATOR)
    assert "очеред" in joined(queued) or "оператор" in joined(queued)


async def test_a_vague_message_is_a_doubt_not_a_confident_guess(chat: Chat) -> None:
    """The doubt itself is the NLU's (the FallbackClassifier must not let «ну это самое…» through
    as a confident intent); the dialogue then offers the guesses instead of asking a number."""
    socket, _ = chat
    frames = await say_all(socket, "ну это самое короче как его там")
    assert "номер заявления" not in joined(frames)
    assert OTHER in buttons(frames)


async def test_an_out_of_scope_question_gets_its_route_and_an_operator_button(
    chat: Chat,
) -> None:
    socket, _ = chat
    content = load_out_of_scope()
    routes = {topic.code: topic.route for topic in content.topics}
    frames = await say_all(socket, "как получить водительское удостоверение")
    assert content.intro in joined(frames)
    assert routes["driving"] in joined(frames)
    assert OPERATOR in buttons(frames)


async def test_how_to_reach_an_operator_offers_the_handoff_here_and_the_hotline(
    chat: Chat,
) -> None:
    socket, _ = chat
    frames = await say_all(socket, "Как связаться с оператором Госуслуг")
    assert HOTLINE in joined(frames)
    connect = next(b for b in buttons(frames) if b["payload"] == "/request_operator")
    queued = await press_all(socket, connect)
    assert "очеред" in joined(queued) or "оператор" in joined(queued)


async def test_a_login_problem_named_in_the_message_goes_straight_to_its_branch(
    chat: Chat,
) -> None:
    socket, _ = chat
    frames = await say_all(socket, "не приходит смс код для входа в госуслуги уже час")
    assert frames[0]["text"].startswith("Если код не приходит")
    assert "Caps Lock" not in joined(frames)
    assert all(b["title"] != "Не приходит код" for b in buttons(frames))
    assert "Получилось войти?" in joined(frames)


async def test_a_new_request_inside_the_appeal_form_leaves_the_form_and_is_served(
    chat: Chat,
) -> None:
    socket, _ = chat
    ask = await say_all(socket, "как узнать статус заявления на загранпаспорт")
    assert "номер заявления" in joined(ask)
    frames = await say_all(socket, FAILURE_502)
    assert TEXTS.appeal_number_malformed not in joined(frames)
    assert joined(frames).startswith(TEXTS.self_help), joined(frames)
    # the form is gone: a number now is not an answer to a question nobody asked
    assert "номер заявления" not in joined(frames)


async def test_a_service_from_the_earlier_topic_does_not_answer_a_new_failure(
    chat: Chat, demo_database: str
) -> None:
    socket, chat_id = chat
    await _bind(demo_database, chat_id)
    status = await say_all(
        socket, f"как узнать статус заявления на загранпаспорт {demo.APPEAL_IN_PROGRESS}"
    )
    assert f"№ {demo.APPEAL_IN_PROGRESS}" in joined(status)
    frames = await say_all(socket, FAILURE_502)
    assert "Плановые технические работы" not in joined(frames)
    assert joined(frames).startswith(TEXTS.self_help), joined(frames)


async def test_identification_in_the_web_chat_names_no_button_the_web_chat_lacks(
    chat: Chat,
) -> None:
    socket, _ = chat
    frames = await say_all(socket, f"какой статус у заявления {demo.APPEAL_IN_PROGRESS}")
    text = joined(frames)
    note = webchat_texts.text("identify_in_messenger")
    assert note in text
    # the only mention of the phone-share button is the note saying it lives in the messengers
    assert text.replace(note, "").count(TEXTS.button_share_phone) == 0
    assert buttons(frames) == []
