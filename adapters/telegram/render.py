"""`OutboundMessage` → Telegram sendMessage calls (HTML, keyboards, splitting)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from adapters.splitting import split_text as split_parts
from adapters.telegram.callbacks import CallbackRegistry
from bot.messages import OutboundMessage

MAX_TEXT = 4096

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True)
class Part:
    """One Bot API call: an HTML text (or a photo URL) with an optional keyboard."""

    text: str
    markup: Markup | None = None
    photo: str | None = None


def _escaped_len(text: str) -> int:
    return len(html.escape(text, quote=False))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut at sentence (then word) boundaries so each HTML-escaped part fits `limit`."""
    return split_parts(text, limit, _escaped_len)


def render(message: OutboundMessage, callbacks: CallbackRegistry) -> list[Part]:
    """The calls that show this message; keyboards ride on the last text part."""
    parts: list[Part] = []
    if message.image:
        parts.append(Part(text="", photo=message.image))
    texts = [html.escape(t, quote=False) for t in split_text(message.text or "") if t.strip()]
    inline = None
    if message.buttons:
        inline = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=b.title or b.payload, callback_data=callbacks.encode(b.payload)
                    )
                ]
                for b in message.buttons
            ]
        )
    contact = None
    if message.request_contact:
        contact = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=message.request_contact, request_contact=True)]],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
    if not texts and (inline or contact):
        texts = [html.escape(message.request_contact or "Выберите вариант:", quote=False)]
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        markup: Markup | None = None
        if last:
            markup = inline or contact
        parts.append(Part(text=text, markup=markup))
    if inline and contact:  # one message holds one keyboard kind: ask for the phone apart
        parts.append(
            Part(text=html.escape(message.request_contact or "", quote=False), markup=contact)
        )
    return parts
