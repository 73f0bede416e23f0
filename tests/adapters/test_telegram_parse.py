"""Telegram updates → channel-neutral inbound messages."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import Update

from adapters.telegram import CallbackRegistry, parse_update
from bot.messages import InboundKind, InboundMessage

USER = {"id": 111, "is_bot": False, "first_name": "Иван"}
CHAT = {"id": 111, "type": "private", "first_name": "Иван"}


def message(**extra: Any) -> dict[str, Any]:
    """A private-chat message from USER."""
    return {"message_id": 7, "date": 1700000000, "chat": CHAT, "from": USER, **extra}


def parse(bot: Bot, data: dict[str, Any], callbacks: CallbackRegistry | None = None) -> Any:
    update = Update.model_validate({"update_id": 900, **data}, context={"bot": bot})
    return parse_update(update, callbacks or CallbackRegistry())


async def test_text(bot: Bot) -> None:
    got = parse(bot, {"message": message(text="Как получить загранпаспорт?")})
    assert got == InboundMessage(
        channel="telegram",
        chat_id="111",
        user_id="111",
        external_id="900",
        kind=InboundKind.TEXT,
        text="Как получить загранпаспорт?",
    )


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/start", "/greet"),
        ("/help", "/help"),
        ("/operator", "/request_operator"),
        ("/start@gospom_bot", "/greet"),
        ("/start deep-link", "/greet"),
        ("/revoke", "/revoke_consent"),
        ("/forget", "/forget_me"),
    ],
)
async def test_commands(bot: Bot, text: str, payload: str) -> None:
    got = parse(bot, {"message": message(text=text)})
    assert got.kind is InboundKind.COMMAND
    assert got.payload == payload


async def test_unknown_command_is_text(bot: Bot) -> None:
    got = parse(bot, {"message": message(text="/weather")})
    assert got.kind is InboundKind.TEXT


async def test_edited_message_is_text(bot: Bot) -> None:
    got = parse(bot, {"edited_message": {**message(text="исправлено"), "edit_date": 1700000100}})
    assert got.kind is InboundKind.TEXT
    assert got.text == "исправлено"


@pytest.mark.parametrize(("contact_user", "verified"), [(111, True), (222, False), (None, False)])
async def test_contact_verified_only_when_own(
    bot: Bot, contact_user: int | None, verified: bool
) -> None:
    contact: dict[str, Any] = {"phone_number": "8 (912) 345-67-89", "first_name": "Иван"}
    if contact_user is not None:
        contact["user_id"] = contact_user
    got = parse(bot, {"message": message(contact=contact)})
    assert got.kind is InboundKind.CONTACT
    assert got.contact.phone == "+79123456789"
    assert got.contact.verified is verified


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("79123456789", "+79123456789"),
        ("+7 912 345 67 89", "+79123456789"),
        ("89123456789", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("+375291234567", "+375291234567"),
        # Telegram reports other countries' numbers without the plus
        ("375291234567", "+375291234567"),
    ],
)
async def test_contact_phone_in_e164(bot: Bot, raw: str, phone: str) -> None:
    contact = {"phone_number": raw, "first_name": "Иван", "user_id": 111}
    got = parse(bot, {"message": message(contact=contact)})
    assert got.kind is InboundKind.CONTACT
    assert got.contact.phone == phone


async def test_contact_without_a_phone_number_is_unsupported(bot: Bot) -> None:
    contact = {"phone_number": "12", "first_name": "Иван", "user_id": 111}
    got = parse(bot, {"message": message(contact=contact)})
    assert got.kind is InboundKind.UNSUPPORTED
    assert got.contact is None


@pytest.mark.parametrize(
    ("extra", "kind", "ref"),
    [
        (
            {
                "sticker": {
                    "file_id": "S1",
                    "file_unique_id": "s",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                }
            },
            "sticker",
            "S1",
        ),
        (
            {
                "photo": [
                    {"file_id": "P0", "file_unique_id": "a", "width": 1, "height": 1},
                    {"file_id": "P1", "file_unique_id": "b", "width": 9, "height": 9},
                ]
            },
            "photo",
            "P1",
        ),
        ({"voice": {"file_id": "V1", "file_unique_id": "v", "duration": 3}}, "voice", "V1"),
        (
            {"document": {"file_id": "D1", "file_unique_id": "d", "file_name": "скан.pdf"}},
            "document",
            "D1",
        ),
        (
            {
                "video": {
                    "file_id": "M1",
                    "file_unique_id": "m",
                    "width": 1,
                    "height": 1,
                    "duration": 1,
                }
            },
            "video",
            "M1",
        ),
        ({"location": {"latitude": 55.75, "longitude": 37.62}}, "location", "55.75,37.62"),
    ],
)
async def test_unsupported_content(bot: Bot, extra: dict[str, Any], kind: str, ref: str) -> None:
    got = parse(bot, {"message": message(**extra)})
    assert got.kind is InboundKind.UNSUPPORTED
    assert got.attachment is not None
    assert (got.attachment.kind, got.attachment.file_ref) == (kind, ref)


async def test_callback_payload_inline_and_long(bot: Bot) -> None:
    callbacks = CallbackRegistry()
    long_payload = '/choose_service{"service": "' + "загранпаспорт" * 5 + '"}'
    key = callbacks.encode(long_payload)
    assert len(key.encode()) <= 64
    assert callbacks.encode("/affirm") == "/affirm"
    for data, payload in ((key, long_payload), ("/affirm", "/affirm")):
        got = parse(
            bot,
            {
                "callback_query": {
                    "id": "cq1",
                    "from": USER,
                    "chat_instance": "ci",
                    "data": data,
                    "message": message(text="Выберите"),
                }
            },
            callbacks,
        )
        assert got.kind is InboundKind.BUTTON
        assert got.payload == payload
        assert got.chat_id == "111"


async def test_unknown_updates_are_ignored(bot: Bot) -> None:
    assert parse(bot, {}) is None
    assert (
        parse(
            bot,
            {
                "my_chat_member": {
                    "chat": CHAT,
                    "from": USER,
                    "date": 1700000000,
                    "old_chat_member": {"status": "member", "user": USER},
                    "new_chat_member": {"status": "kicked", "user": USER, "until_date": 0},
                }
            },
        )
        is None
    )
    assert parse(bot, {"message": message(new_chat_title="x")}) is None
