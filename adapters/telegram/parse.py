"""Telegram `Update` → the channel-neutral `InboundMessage`."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message, Update

from adapters.commands import COMMANDS
from adapters.telegram.callbacks import CallbackRegistry
from bot.messages import Attachment, Contact, InboundKind, InboundMessage
from identifiers import normalize_phone

CHANNEL = "telegram"
__all__ = ["CHANNEL", "parse_update"]

_MEDIA = ("sticker", "photo", "voice", "document", "video", "video_note", "audio", "animation")


def parse_update(update: Update, callbacks: CallbackRegistry) -> InboundMessage | None:
    """The citizen's turn in this update, or None when it carries nothing for the bot."""
    if update.callback_query is not None:
        return _callback(update, update.callback_query, callbacks)
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return None
    base = {
        "channel": CHANNEL,
        "chat_id": str(message.chat.id),
        "user_id": str(message.from_user.id),
        "external_id": str(update.update_id),
    }
    if message.contact is not None:
        contact = message.contact
        # Telegram reports international numbers, often without their plus
        phone = normalize_phone(contact.phone_number, international=True)
        if phone is None:
            return InboundMessage(
                **base, kind=InboundKind.UNSUPPORTED, attachment=Attachment(kind="contact")
            )
        return InboundMessage(
            **base,
            kind=InboundKind.CONTACT,
            contact=Contact(
                phone=phone,
                verified=contact.user_id is not None and contact.user_id == message.from_user.id,
            ),
        )
    if message.text is not None:
        return _text(base, message.text)
    attachment = _attachment(message)
    if attachment is not None:
        return InboundMessage(
            **base, kind=InboundKind.UNSUPPORTED, text=message.caption, attachment=attachment
        )
    return None


def _text(base: dict[str, str], text: str) -> InboundMessage:
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0].split("@", 1)[0].lower()
        if command in COMMANDS:
            return InboundMessage(
                **base, kind=InboundKind.COMMAND, text=text, payload=COMMANDS[command]
            )
    return InboundMessage(**base, kind=InboundKind.TEXT, text=text)


def _callback(
    update: Update, query: CallbackQuery, callbacks: CallbackRegistry
) -> InboundMessage | None:
    chat = query.message.chat if query.message is not None else None
    if chat is None or query.data is None:
        return None
    base = {
        "channel": CHANNEL,
        "chat_id": str(chat.id),
        "user_id": str(query.from_user.id),
        "external_id": str(update.update_id),
    }
    payload = callbacks.decode(query.data)
    if payload is None:  # a long payload from before a restart: ask again
        return InboundMessage(**base, kind=InboundKind.TEXT, text=query.data)
    return InboundMessage(**base, kind=InboundKind.BUTTON, payload=payload)


def _attachment(message: Message) -> Attachment | None:
    for kind in _MEDIA:
        value = getattr(message, kind, None)
        if value is None:
            continue
        if isinstance(value, list):  # photo sizes: keep the largest
            value = value[-1] if value else None
        file_id = getattr(value, "file_id", None)
        name = getattr(value, "file_name", None)
        return Attachment(kind=kind, file_ref=file_id, name=name)
    if message.location is not None:
        loc = message.location
        return Attachment(kind="location", file_ref=f"{loc.latitude},{loc.longitude}")
    return None
