"""The one channel-neutral message model: adapters translate to and from it, nothing else does."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# Lone UTF-16 surrogates cannot be encoded (SQLite and PostgreSQL drivers raise), PostgreSQL
# refuses NUL in text and JSON, and other control characters only ever hide or garble text.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """The text as it can be stored: lone surrogates become U+FFFD, control characters go.

    Line feeds and tabs stay; a carriage return becomes a line feed (CR LF becomes one).
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSTORABLE.sub("", _SURROGATE.sub("\ufffd", value))


CleanStr = Annotated[str, AfterValidator(clean_text)]
"""A string from outside (a citizen, a channel) made storable on every database."""


class InboundKind(StrEnum):
    """What a citizen sent."""

    TEXT = "text"
    BUTTON = "button"
    COMMAND = "command"
    CONTACT = "contact"
    UNSUPPORTED = "unsupported"


class Contact(BaseModel):
    """A phone the citizen shared; `verified` only when the channel proved it is their own."""

    model_config = ConfigDict(frozen=True)

    phone: CleanStr
    verified: bool = False


class Attachment(BaseModel):
    """Content the bot cannot read (photo, document, voice...), kept for an operator."""

    model_config = ConfigDict(frozen=True)

    kind: CleanStr
    file_ref: CleanStr | None = None
    name: CleanStr | None = None


class InboundMessage(BaseModel):
    """One citizen turn as an adapter parsed it."""

    model_config = ConfigDict(frozen=True)

    channel: CleanStr
    chat_id: CleanStr
    user_id: CleanStr
    external_id: CleanStr = Field(description="the channel's message id: the idempotency key")
    kind: InboundKind = InboundKind.TEXT
    text: CleanStr | None = None
    payload: CleanStr | None = Field(default=None, description="button payload or mapped command")
    contact: Contact | None = None
    attachment: Attachment | None = None
    resume_bot: bool = Field(
        default=False,
        description="set only by the app (after an operator closed the chat): the router appends "
        "a `resume` event to Rasa's tracker before this turn",
    )

    @property
    def conversation_id(self) -> str:
        """The Rasa sender id: `<channel>:<chat id>`."""
        return f"{self.channel}:{self.chat_id}"


class Button(BaseModel):
    """A choice offered to the citizen; `payload` goes back to Rasa when pressed."""

    model_config = ConfigDict(frozen=True)

    title: str
    payload: str


class OutboundMessage(BaseModel):
    """One reply to render in a channel."""

    model_config = ConfigDict(frozen=True)

    text: str | None = None
    buttons: tuple[Button, ...] = ()
    request_contact: str | None = Field(
        default=None, description="label of a verified phone-share button, when asked for"
    )
    image: str | None = None
    author: str = Field(default="bot", description="who speaks: the bot, or a live operator")

    @classmethod
    def from_rasa(cls, message: dict[str, Any]) -> OutboundMessage:
        """Build from one message of Rasa's REST reply shape."""
        buttons = tuple(
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in message.get("buttons") or ()
        )
        custom = message.get("custom") or {}
        request = custom.get("request_contact") if isinstance(custom, dict) else None
        text = message.get("text")
        if request and not text:
            text = request.get("text")
        return cls(
            text=text,
            buttons=buttons,
            request_contact=(request.get("button") or "Поделиться номером") if request else None,
            image=message.get("image"),
        )
