"""A Viber callback (already authenticated) → what it means for us.

The viberbot SDK builds its request and message models from the JSON; it checks little, so the
fields we rely on are checked here, and anything unexpected raises `MalformedEvent` (400).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from viberbot.api.messages import (
    ContactMessage,
    FileMessage,
    LocationMessage,
    PictureMessage,
    StickerMessage,
    TextMessage,
    URLMessage,
    VideoMessage,
)
from viberbot.api.viber_requests import EVENT_TYPE_TO_CLASS, create_request

from adapters.commands import command_payload
from adapters.viber.tracking import Tracking
from bot.messages import Attachment, Contact, InboundKind, InboundMessage, clean_text
from identifiers import normalize_phone

CHANNEL = "viber"
KNOWN_EVENTS = frozenset(EVENT_TYPE_TO_CLASS)
KNOWN_MESSAGES = frozenset(
    {"text", "contact", "picture", "file", "sticker", "location", "video", "url"}
)
_MAX_ID = 200


class MalformedEvent(ValueError):
    """The callback is not what Viber sends."""


@dataclass(frozen=True)
class ViberEvent:
    """One callback: its event name, the citizen's turn (for `message`), and the ids it names."""

    event: str
    message: InboundMessage | None = None
    user_id: str | None = None
    message_token: str | None = None
    description: str | None = None


def _user_id(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_ID:
        raise MalformedEvent("user id must be a non-empty string")
    return clean_text(value)


def _token(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str) or len(str(value)) > _MAX_ID:
        raise MalformedEvent("message_token must be a number")
    if not str(value):
        raise MalformedEvent("message_token is empty")
    return str(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedEvent("text must be a string")
    # cleaned before the button and phone-request checks hash it (a lone surrogate cannot be)
    return clean_text(value) or None


def parse_event(data: dict[str, Any], tracking: Tracking) -> ViberEvent:
    """Interpret one callback; an unknown event type is returned as such, to be ignored."""
    event = data.get("event")
    if not isinstance(event, str):
        raise MalformedEvent("event must be a string")
    if event not in KNOWN_EVENTS:
        return ViberEvent(event=event)
    if event == "message":
        raw = data.get("message")
        if not isinstance(raw, dict) or raw.get("type") not in KNOWN_MESSAGES:
            kind = raw.get("type") if isinstance(raw, dict) else None
            if isinstance(kind, str) and isinstance(data.get("sender"), dict):
                return _unsupported_type(data)  # a message type newer than this adapter
            raise MalformedEvent("message must be an object with a known type")
    try:
        request = create_request(data)
    except MalformedEvent:
        raise
    except Exception as exc:  # the SDK raises bare Exception, KeyError, TypeError...
        raise MalformedEvent(f"viberbot could not read the {event} event") from exc
    if event == "message":
        return ViberEvent(event=event, message=_message(request, tracking))
    if event in ("conversation_started", "subscribed"):
        user = request.user
        return ViberEvent(event=event, user_id=_user_id(getattr(user, "id", None)))
    if event in ("unsubscribed", "delivered", "seen", "failed"):
        token = data.get("message_token")
        return ViberEvent(
            event=event,
            user_id=_user_id(request.user_id),
            message_token=_token(token) if token is not None else None,
            description=str(data.get("desc", ""))[:200] or None,
        )
    return ViberEvent(event=event)  # webhook


def _unsupported_type(data: dict[str, Any]) -> ViberEvent:
    sender = data["sender"]
    user_id = _user_id(sender.get("id"))
    return ViberEvent(
        event="message",
        message=InboundMessage(
            channel=CHANNEL,
            chat_id=user_id,
            user_id=user_id,
            external_id=_token(data.get("message_token")),
            kind=InboundKind.UNSUPPORTED,
            attachment=Attachment(kind="unsupported"),
        ),
    )


def _message(request: Any, tracking: Tracking) -> InboundMessage:
    user_id = _user_id(getattr(request.sender, "id", None))
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": user_id,  # a bot's chat with a citizen is addressed by their user id
        "user_id": user_id,
        "external_id": _token(request.message_token),
    }
    message = request.message
    reply_to = message.tracking_data
    if isinstance(message, TextMessage):
        text = _text(message.text)
        if text is None:
            raise MalformedEvent("a text message without text")
        payload = tracking.button_payload(reply_to, text)
        if payload is not None:
            return InboundMessage(**base, kind=InboundKind.BUTTON, payload=payload)
        command = command_payload(text)
        if command is not None:
            return InboundMessage(**base, kind=InboundKind.COMMAND, text=text, payload=command)
        return InboundMessage(**base, kind=InboundKind.TEXT, text=text)
    if isinstance(message, URLMessage):
        url = _text(message.media)
        if url is None:
            raise MalformedEvent("a url message without media")
        return InboundMessage(**base, kind=InboundKind.TEXT, text=url)
    if isinstance(message, ContactMessage):
        raw = getattr(message.contact, "phone_number", None)
        # Viber reports international numbers without their plus
        phone = normalize_phone(raw, international=True) if isinstance(raw, str) else None
        if phone is not None:
            verified = tracking.phone_requested(reply_to, user_id)
            return InboundMessage(
                **base,
                kind=InboundKind.CONTACT,
                contact=Contact(phone=phone, verified=verified),
            )
        return InboundMessage(
            **base, kind=InboundKind.UNSUPPORTED, attachment=Attachment(kind="contact")
        )
    return InboundMessage(**base, kind=InboundKind.UNSUPPORTED, **_attachment(message))


def _attachment(message: Any) -> dict[str, Any]:
    if isinstance(message, PictureMessage):
        return {
            "text": _text(message.text),
            "attachment": Attachment(kind="photo", file_ref=_text(message.media)),
        }
    if isinstance(message, VideoMessage):
        return {
            "text": _text(message.text),
            "attachment": Attachment(kind="video", file_ref=_text(message.media)),
        }
    if isinstance(message, FileMessage):
        return {
            "attachment": Attachment(
                kind="document", file_ref=_text(message.media), name=_text(message.file_name)
            )
        }
    if isinstance(message, StickerMessage):
        sticker = message.sticker_id
        ref = str(sticker) if isinstance(sticker, int | str) and len(str(sticker)) < 64 else None
        return {"attachment": Attachment(kind="sticker", file_ref=ref)}
    if isinstance(message, LocationMessage):
        location = message.location
        lat = getattr(location, "latitude", None)
        lon = getattr(location, "longitude", None)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
            raise MalformedEvent("a location without coordinates")
        return {"attachment": Attachment(kind="location", file_ref=f"{lat},{lon}")}
    raise MalformedEvent("unexpected message model")
