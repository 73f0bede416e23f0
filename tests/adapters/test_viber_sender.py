"""Rendering and sending through ViberApi (aiohttp) against the fake Viber API."""

from __future__ import annotations

import pytest

from adapters.viber import Tracking, ViberApi, ViberSender
from adapters.viber.render import MAX_TEXT, render
from bot.delivery import Delivery, DeliveryFailed, RetryLater
from bot.messages import Button, OutboundMessage
from tests.adapters.conftest import VIBER_TOKEN
from tests.adapters.fake_viber import FakeViber

D = Delivery(outbox_id=1, transcript_id=1, attempt=1)
USER = "01234567890A="


async def test_text_goes_with_sender_name_and_avatar(
    viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    await viber_sender.send(USER, OutboundMessage(text="Срок < 30 дней & без оплаты"), D)
    (body,) = fake_viber.sent()
    assert body["receiver"] == USER
    assert body["type"] == "text"
    assert body["text"] == "Срок < 30 дней & без оплаты"  # Viber text is plain, never escaped
    assert body["sender"] == {"name": "Госпомощник", "avatar": "https://x.test/a.png"}
    assert "keyboard" not in body


async def test_buttons_become_a_reply_keyboard_with_tracking(
    viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    message = OutboundMessage(
        text="Что случилось?",
        buttons=(
            Button(
                title="Не приходит код", payload='/choose_login_problem{"login_problem": "no_code"}'
            ),
            Button(title="Забыл пароль", payload="/password_forgot"),
        ),
    )
    await viber_sender.send(USER, message, D)
    (body,) = fake_viber.sent()
    buttons = body["keyboard"]["Buttons"]
    assert [b["Text"] for b in buttons] == ["Не приходит код", "Забыл пароль"]
    assert [b["ActionType"] for b in buttons] == ["reply", "reply"]
    assert buttons[0]["ActionBody"] == '/choose_login_problem{"login_problem": "no_code"}'
    assert all(b["Silent"] is True for b in buttons)
    tracking = Tracking(VIBER_TOKEN)
    assert tracking.button_payload(body["tracking_data"], "/password_forgot") == "/password_forgot"
    assert tracking.button_payload(body["tracking_data"], "/request_operator") is None
    assert "min_api_version" not in body


async def test_request_contact_is_a_share_phone_button_at_api_level_3(
    viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    message = OutboundMessage(
        text="Чтобы проверить заявление, поделитесь номером.",
        buttons=(Button(title="Отмена", payload="/deny"),),
        request_contact="Поделиться номером",
    )
    await viber_sender.send(USER, message, D)
    (body,) = fake_viber.sent()  # one message: a Viber keyboard holds both kinds of buttons
    share = body["keyboard"]["Buttons"][-1]
    assert share["ActionType"] == "share-phone"
    assert share["Text"] == "Поделиться номером"
    assert share["ActionBody"]
    assert body["min_api_version"] == 3
    assert Tracking(VIBER_TOKEN).phone_requested(body["tracking_data"], USER)
    assert not Tracking(VIBER_TOKEN).phone_requested(body["tracking_data"], "another-user")


async def test_request_contact_without_text_still_has_a_text(
    viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    await viber_sender.send(USER, OutboundMessage(request_contact="Поделиться номером"), D)
    (body,) = fake_viber.sent()
    assert body["text"] == "Поделиться номером"


async def test_long_text_split_at_sentences_under_7000(
    viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    sentence = "Заявление рассматривается в течение 30 рабочих дней без оплаты. "
    text = sentence * 300  # about 19,000 characters: three parts
    message = OutboundMessage(text=text, buttons=(Button(title="Ок", payload="/affirm"),))
    await viber_sender.send(USER, message, D)
    bodies = fake_viber.sent()
    assert len(bodies) == 3
    assert all(len(b["text"]) <= MAX_TEXT for b in bodies)
    assert all(b["text"].endswith("без оплаты.") for b in bodies)
    assert [("keyboard" in b) for b in bodies] == [False, False, True]
    assert " ".join(b["text"] for b in bodies) == text.strip()


def test_long_payload_gets_a_short_action_body() -> None:
    payload = '/inform{"topic": "' + "т" * 400 + '"}'
    (body,) = render(
        OutboundMessage(text="?", buttons=(Button(title="Т", payload=payload),)),
        user_id=USER,
        tracking=Tracking(VIBER_TOKEN),
    )
    action_body = body["keyboard"]["Buttons"][0]["ActionBody"]
    assert len(action_body) <= 250
    assert Tracking(VIBER_TOKEN).button_payload(body["tracking_data"], action_body) == payload


def test_button_text_is_cut_to_250() -> None:
    (body,) = render(
        OutboundMessage(text="?", buttons=(Button(title="д" * 300, payload="/x"),)),
        user_id=USER,
        tracking=Tracking(VIBER_TOKEN),
    )
    assert len(body["keyboard"]["Buttons"][0]["Text"]) == 250


def test_sender_name_is_cut_to_28() -> None:
    sender = ViberSender(
        ViberApi(VIBER_TOKEN, "http://127.0.0.1:9"), Tracking(VIBER_TOKEN), name="Г" * 40
    )
    assert sender.sender == {"name": "Г" * 28}


async def test_image_then_text(viber_sender: ViberSender, fake_viber: FakeViber) -> None:
    await viber_sender.send(USER, OutboundMessage(text="Схема", image="https://x.test/s.png"), D)
    picture, text = fake_viber.sent()
    assert picture["type"] == "picture"
    assert picture["media"] == "https://x.test/s.png"
    assert text["text"] == "Схема"


async def test_rate_limit_status_is_retry_later(
    viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    fake_viber.fail("rate")
    with pytest.raises(RetryLater):
        await viber_sender.send(USER, OutboundMessage(text="привет"), D)
    assert fake_viber.sent() == []


async def test_http_500_is_retry_later(viber_sender: ViberSender, fake_viber: FakeViber) -> None:
    fake_viber.fail("5xx")
    with pytest.raises(RetryLater):
        await viber_sender.send(USER, OutboundMessage(text="привет"), D)


async def test_network_error_is_retry_later() -> None:
    api = ViberApi(VIBER_TOKEN, "http://127.0.0.1:9/pa")
    try:
        with pytest.raises(RetryLater):
            await ViberSender(api, Tracking(VIBER_TOKEN), name="Бот").send(
                USER, OutboundMessage(text="x"), D
            )
    finally:
        await api.close()


async def test_unsubscribed_receiver_fails_for_good(
    viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    fake_viber.unsubscribed.add(USER)
    with pytest.raises(DeliveryFailed):
        await viber_sender.send(USER, OutboundMessage(text="привет"), D)


async def test_wrong_token_is_retry_later_not_a_lost_message(fake_viber: FakeViber) -> None:
    api = ViberApi("not-the-token", fake_viber.base_url)
    try:
        with pytest.raises(RetryLater):
            await ViberSender(api, Tracking("x"), name="Бот").send(
                USER, OutboundMessage(text="x"), D
            )
    finally:
        await api.close()


async def test_split_message_resumes_without_resending_parts(
    viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    text = "Первое предложение. " * 800  # 16,000 characters: three parts
    fake_viber.fail("rate", after=1)
    with pytest.raises(RetryLater):
        await viber_sender.send(USER, OutboundMessage(text=text), Delivery(5, 5, 1))
    assert len(fake_viber.sent()) == 1
    await viber_sender.send(USER, OutboundMessage(text=text), Delivery(5, 5, 2))
    texts = [b["text"] for b in fake_viber.sent()]
    assert len(texts) == 3
    assert " ".join(texts) == text.strip()


async def test_message_tokens_name_the_outbox_item_of_a_failure(
    viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    await viber_sender.send(USER, OutboundMessage(text="привет"), Delivery(42, 1, 1))
    viber_sender.record_failure("5000000001", "keyboard is not valid")  # the fake's first token
    assert viber_sender.failures == [(42, "keyboard is not valid")]


async def test_set_webhook_is_checked_by_a_callback(fake_viber: FakeViber) -> None:
    api = ViberApi(VIBER_TOKEN, fake_viber.base_url)
    try:
        with pytest.raises(DeliveryFailed):  # nobody listens at that URL: invalidUrl
            await api.set_webhook("http://127.0.0.1:9/viber/webhook")
        info = await api.get_account_info()
        assert info["webhook"] == ""
    finally:
        await api.close()
