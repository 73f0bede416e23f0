"""`OutboundMessage` → Telegram sendMessage calls (HTML, keyboards, splitting)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from adapters.telegram.callbacks import CallbackRegistry
from bot.messages import OutboundMessage

MAX_TEXT = 4096
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True)
class Part:
    """One Bot API call: an HTML text (or a photo URL) with an optional keyboard."""

    text: str
    markup: Markup | None = None
    photo: str | None = None


def _escaped_len(text: str) -> int:
    return len(html.escape(text, quote=False))


def _hard_split(piece: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for token in re.split(r"(\s+)", piece):
        word = token
        if _escaped_len(current + word) <= limit:
            current += word
            continue
        if current.strip():
            out.append(current.strip())
        current = ""
        while _escaped_len(word) > limit:  # a single huge token
            cut = limit
            while _escaped_len(word[:cut]) > limit:
                cut -= 1
            out.append(word[:cut])
            word = word[cut:]
        current = word
    if current.strip():
        out.append(current.strip())
    return out


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut at sentence (then word) boundaries so each escaped part fits `limit`."""
    if _escaped_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in (s for s in _SENTENCE_END.split(text) if s.strip()):
        candidate = f"{current} {sentence}" if current else sentence
        if _escaped_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if _escaped_len(sentence) <= limit:
            current = sentence
        else:
            *full, current = _hard_split(sentence, limit)
            parts.extend(full)
    if current:
        parts.append(current)
    return parts


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
