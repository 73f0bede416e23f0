"""Rendering and sending through the real aiogram client against the fake Bot API."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from aiogram import Bot
from aiogram.methods import SendMessage
from pydantic._internal import _generics

from adapters.telegram import TelegramSender
from adapters.telegram.render import MAX_TEXT, split_text
from bot.delivery import Delivery, DeliveryFailed, RetryLater
from bot.messages import Button, OutboundMessage
from tests.adapters.fake_telegram import FakeTelegram

D = Delivery(outbox_id=1, transcript_id=1, attempt=1)


async def test_text_is_html_escaped(sender: TelegramSender, fake_telegram: FakeTelegram) -> None:
    await sender.send("111", OutboundMessage(text="Срок < 30 дней & <b>не</b> больше"), D)
    (call,) = fake_telegram.sent()
    assert call["chat_id"] == "111"
    assert call["text"] == "Срок &lt; 30 дней &amp; &lt;b&gt;не&lt;/b&gt; больше"
    assert call["parse_mode"] == "HTML"


async def test_buttons_become_inline_keyboard(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    long_payload = '/choose{"service": "' + "пособие" * 10 + '"}'
    message = OutboundMessage(
        text="Что вас интересует?",
        buttons=(
            Button(title="Паспорт", payload="/passport"),
            Button(title="Пособие", payload=long_payload),
        ),
    )
    await sender.send("111", message, D)
    (call,) = fake_telegram.sent()
    keyboard = json.loads(call["reply_markup"])["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Паспорт", "Пособие"]
    assert keyboard[0][0]["callback_data"] == "/passport"
    key = keyboard[1][0]["callback_data"]
    assert len(key.encode()) <= 64
    assert sender.callbacks.decode(key) == long_payload


async def test_request_contact_keyboard(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    message = OutboundMessage(text="Поделитесь номером", request_contact="Отправить номер")
    await sender.send("111", message, D)
    (call,) = fake_telegram.sent()
    markup = json.loads(call["reply_markup"])
    assert markup["keyboard"] == [[{"text": "Отправить номер", "request_contact": True}]]
    assert markup["one_time_keyboard"] is True


async def test_buttons_and_contact_go_in_two_messages(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    message = OutboundMessage(
        text="Выберите", buttons=(Button(title="Да", payload="/affirm"),), request_contact="Номер"
    )
    await sender.send("111", message, D)
    first, second = fake_telegram.sent()
    assert "inline_keyboard" in json.loads(first["reply_markup"])
    assert "keyboard" in json.loads(second["reply_markup"])


async def test_long_text_split_at_sentences(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    sentence = "Заявление рассматривается в течение 30 рабочих дней & без оплаты. "
    text = sentence * 200
    await sender.send(
        "111", OutboundMessage(text=text, buttons=(Button(title="Ок", payload="/ok"),)), D
    )
    calls = fake_telegram.sent()
    assert len(calls) > 1
    assert all(len(c["text"]) <= MAX_TEXT for c in calls)
    assert all(c["text"].endswith("без оплаты.") for c in calls)
    assert [("reply_markup" in c) for c in calls] == [False] * (len(calls) - 1) + [True]
    joined = " ".join(c["text"] for c in calls).replace("&amp;", "&")
    assert joined == text.strip()


def test_split_without_sentence_boundaries() -> None:
    parts = split_text("а" * 10000 + " " + "б" * 5)
    assert all(0 < len(p) <= MAX_TEXT for p in parts)
    assert "".join(parts).replace(" ", "") == "а" * 10000 + "б" * 5


async def test_429_is_retry_later_with_retry_after(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.fail(429, retry_after=17)
    with pytest.raises(RetryLater) as caught:
        await sender.send("111", OutboundMessage(text="привет"), D)
    assert caught.value.after_s == 17


async def test_500_is_retry_later(sender: TelegramSender, fake_telegram: FakeTelegram) -> None:
    fake_telegram.fail(500)
    with pytest.raises(RetryLater) as caught:
        await sender.send("111", OutboundMessage(text="привет"), D)
    assert caught.value.after_s is None


async def test_network_error_is_retry_later(sender: TelegramSender) -> None:
    from adapters.telegram import create_bot  # noqa: PLC0415
    from tests.adapters.conftest import TOKEN  # noqa: PLC0415

    dead = create_bot(TOKEN, "http://127.0.0.1:9")
    try:
        with pytest.raises(RetryLater):
            await TelegramSender(dead, sender.callbacks).send("111", OutboundMessage(text="x"), D)
    finally:
        await dead.session.close()


@pytest.mark.parametrize("status", [403, 400])
async def test_forbidden_and_bad_request_fail_for_good(
    sender: TelegramSender, fake_telegram: FakeTelegram, status: int
) -> None:
    fake_telegram.fail(status)
    with pytest.raises(DeliveryFailed):
        await sender.send("111", OutboundMessage(text="привет"), D)


async def test_split_message_resumes_without_resending_parts(
    sender: TelegramSender, fake_telegram: FakeTelegram
) -> None:
    text = "Первое предложение. " * 400  # about 8000 chars: two or three parts
    parts = len(split_text(text))
    assert parts >= 2
    fake_telegram.fail(429, retry_after=1, after=1)  # the second part is refused
    with pytest.raises(RetryLater):
        await sender.send("111", OutboundMessage(text=text), Delivery(5, 5, 1))
    assert len(fake_telegram.sent()) == 1
    await sender.send("111", OutboundMessage(text=text), Delivery(5, 5, 2))
    assert len(fake_telegram.sent()) == parts
    assert len({c["text"] for c in fake_telegram.sent()}) <= parts


async def test_bot_api_answers_do_not_rebuild_their_response_model_after_a_gc(
    monkeypatch: pytest.MonkeyPatch, bot: Bot
) -> None:
    """Regression: pydantic's weak generic cache lost `Response[Message]` at every garbage
    collection, so each `sendMessage` answer built a new model class (12 % of the app's CPU)."""
    built: list[str] = []
    original = _generics.create_generic_submodel

    def counting(name: str, *args: Any) -> Any:
        built.append(name)
        return original(name, *args)

    monkeypatch.setattr(_generics, "create_generic_submodel", counting)
    answer = json.dumps(
        {
            "ok": True,
            "result": {
                "message_id": 7,
                "date": 1700000000,
                "chat": {"id": 111, "type": "private"},
                "text": "Здравствуйте!",
            },
        }
    )
    for _ in range(2):
        bot.session.check_response(bot, SendMessage(chat_id=111, text="Здравствуйте!"), 200, answer)
        gc.collect()
    assert built == []
