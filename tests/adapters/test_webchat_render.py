"""The web chat shows only what it has: a phone-share request says where identification works."""

from __future__ import annotations

from adapters.webchat.channel import render_text
from bot.messages import OutboundMessage


def test_a_phone_share_request_in_the_web_chat_says_how_to_identify_in_a_messenger() -> None:
    message = OutboundMessage.from_rasa(
        {
            "custom": {
                "request_contact": {
                    "text": "Нужно подтвердить номер телефона.",
                    "button": "Поделиться номером",
                }
            }
        }
    )
    text = render_text(message)
    assert text is not None
    assert text.startswith("Нужно подтвердить номер телефона.")
    assert "Telegram" in text
    assert "Viber" in text
    assert "нельзя" in text


def test_other_messages_are_shown_as_they_are() -> None:
    assert render_text(OutboundMessage(text="Здравствуйте")) == "Здравствуйте"
