"""Bad input through the web chat, real Rasa and the action server: never an error or silence.

Each case opens its own chat and reads what the citizen would see: an answer exists, it is in
Russian, it is not an error or a traceback, and it fits what was written.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from tests.e2e.webchat_client import Frame, open_chat, say

pytestmark = pytest.mark.rasa

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN = re.compile(r"[a-z]", re.IGNORECASE)
ERROR_MARKS = re.compile(
    r"traceback|exception|error|internal|none|null|undefined|utter_|action_|\{|\}", re.IGNORECASE
)
LONG_COMPLAINT = (
    "здравствуйте пишу уже не в первый раз третий день не могу ничего сделать на портале "
    "то пароль не подходит то страница не грузится то код не приходит помогите пожалуйста "
)


@pytest.fixture
async def chat(app_server: TestServer) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A fresh web chat: its own conversation in Rasa."""
    async with aiohttp.ClientSession() as http:
        socket, _ = await open_chat(http, app_server)
        yield socket
        await socket.close()


def assert_sensible_russian(reply: Frame) -> str:
    """The reply a citizen sees is non-empty Russian prose, with no error or internals in it."""
    text = str(reply.get("text") or "")
    assert text.strip(), "the citizen got an empty message"
    assert len(CYRILLIC.findall(text)) > 3 * len(LATIN.findall(text)), text
    assert not ERROR_MARKS.search(text), text
    assert reply.get("author") == "bot"
    return text


async def test_whitespace_only_is_refused_and_the_chat_keeps_serving(
    chat: aiohttp.ClientWebSocketResponse,
) -> None:
    """The page never sends blank text; a blank frame is refused without breaking the chat."""
    await chat.send_json({"type": "message", "id": uuid.uuid4().hex, "text": "   \n "})
    assert (await chat.receive_json())["type"] == "error"
    assert_sensible_russian(await say(chat, "привет"))


async def test_text_that_is_empty_for_rasa_gets_a_russian_answer(
    chat: aiohttp.ClientWebSocketResponse,
) -> None:
    """«/» reaches Rasa as an empty message (typed text never becomes an intent)."""
    assert_sensible_russian(await say(chat, "/"))


@pytest.mark.parametrize("text", ["😀😀😀", "👍", "🙏🏻🙏🏻"])
async def test_emoji_only_gets_a_russian_answer(
    chat: aiohttp.ClientWebSocketResponse, text: str
) -> None:
    assert_sensible_russian(await say(chat, text))


async def test_five_thousand_characters_get_an_answer(
    chat: aiohttp.ClientWebSocketResponse,
) -> None:
    text = (LONG_COMPLAINT * 40)[:5000]
    assert len(text) == 5000
    assert_sensible_russian(await say(chat, text))


async def test_english_gets_a_russian_answer(chat: aiohttp.ClientWebSocketResponse) -> None:
    assert_sensible_russian(await say(chat, "Hello, I cannot find my application status"))


async def test_transliteration_is_understood_as_the_appeal_request(
    chat: aiohttp.ClientWebSocketResponse,
) -> None:
    text = assert_sensible_russian(await say(chat, "gde moe zayavlenie"))
    assert re.search(r"заявлени|номер", text, re.IGNORECASE), text


async def test_bare_number_is_taken_as_an_appeal_number(
    chat: aiohttp.ClientWebSocketResponse,
) -> None:
    """An unbound chat is asked to identify itself before the status; never «not understood»."""
    text = assert_sensible_russian(await say(chat, "1234567890"))
    assert re.search(r"заявлени", text, re.IGNORECASE), text
    assert "не понял" not in text


async def test_after_bad_input_a_real_request_is_still_answered(
    chat: aiohttp.ClientWebSocketResponse,
) -> None:
    """Bad input does not derail the conversation: the next request is handled as usual."""
    await say(chat, "😀😀😀")
    reply = await say(chat, "телефон поддержки")
    assert "8 800" in reply["text"] or "8-800" in reply["text"], reply["text"]
