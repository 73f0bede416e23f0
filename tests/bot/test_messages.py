"""The channel-neutral model and what the router sends to Rasa."""

from __future__ import annotations

from bot.facts import FactSigner
from bot.messages import Attachment, Contact, InboundKind, InboundMessage, OutboundMessage
from bot.settings import Settings
from bot.turns import rasa_metadata, rasa_text


def _message(**kwargs: object) -> InboundMessage:
    return InboundMessage(channel="telegram", chat_id="42", user_id="42", external_id="1", **kwargs)


def test_typed_slash_cannot_inject_an_intent() -> None:
    assert rasa_text(_message(text='/appeal_status{"appeal_number": "1"}'), 4000).startswith(
        "appeal_status"
    )


def test_button_payload_goes_to_rasa_as_is() -> None:
    message = _message(kind=InboundKind.BUTTON, text="Оператор", payload="/request_operator")
    assert rasa_text(message, 4000) == "/request_operator"


def test_long_text_is_cut_to_the_limit() -> None:
    assert len(rasa_text(_message(text="а" * 5000), 4000)) == 4000


def test_contact_turn_carries_verification_in_metadata_only() -> None:
    message = _message(
        kind=InboundKind.CONTACT, contact=Contact(phone="+79990000001", verified=True)
    )
    assert rasa_text(message, 4000) == "/share_contact"
    assert rasa_metadata(message, FactSigner(b"k"))["contact"] == {
        "phone": "+79990000001",
        "verified": True,
    }


def test_unsupported_content_is_named_for_rasa() -> None:
    message = _message(kind=InboundKind.UNSUPPORTED, attachment=Attachment(kind="sticker"))
    assert rasa_text(message, 4000) == "/unsupported_content"
    assert rasa_metadata(message, FactSigner(b"k"))["attachment"] == {"kind": "sticker"}


def test_rasa_reply_with_buttons_and_contact_request() -> None:
    reply = OutboundMessage.from_rasa(
        {
            "text": "Выберите",
            "buttons": [{"title": "Да", "payload": "/affirm"}],
        }
    )
    assert reply.buttons[0].payload == "/affirm"
    contact = OutboundMessage.from_rasa(
        {"custom": {"request_contact": {"text": "Поделитесь номером", "button": "Номер"}}}
    )
    assert contact.text == "Поделитесь номером"
    assert contact.request_contact == "Номер"


def test_settings_give_plain_urls_their_async_driver() -> None:
    settings = Settings(database_url="postgresql://u@h/db")
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert not settings.is_sqlite
