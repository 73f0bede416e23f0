"""A citizen's turn as Rasa gets it, and as the router tells other packages of it afterwards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.facts import FactSigner, TurnFacts
from bot.messages import InboundKind, InboundMessage
from bot.rasa_client import RasaTurn
from bot.storage import utcnow


@dataclass(frozen=True)
class TurnSignal:
    """What the router knows of a turn: whose, which channel, what Rasa made of it."""

    conversation_id: str
    channel: str
    intent: str | None
    confidence: float | None
    payload: str | None  # a button's payload when the citizen pressed one
    now: datetime


# hears each citizen turn inside the turn's transaction (the review queue's triggers)
TurnHook = Callable[[AsyncSession, TurnSignal], Awaitable[None]]


def rasa_message_id(message: InboundMessage) -> str:
    """The turn's id at Rasa: the same on every retry, so Rasa answers a retry from its tracker."""
    return f"{message.channel}:{message.external_id}"


def rasa_text(message: InboundMessage, max_chars: int) -> str:
    """What Rasa gets for a turn: button payloads as they are, typed text never as an intent."""
    if message.kind in (InboundKind.BUTTON, InboundKind.COMMAND) and message.payload:
        return message.payload
    if message.kind is InboundKind.CONTACT:
        return "/share_contact"
    if message.kind is InboundKind.UNSUPPORTED:
        return "/unsupported_content"
    typed = (message.text or "").lstrip("/").strip()
    return typed[:max_chars]


def turn_signal(message: InboundMessage, turn: RasaTurn) -> TurnSignal:
    """What the review queue needs to know of a recorded turn."""
    pressed = message.kind is InboundKind.BUTTON and message.payload
    return TurnSignal(
        conversation_id=message.conversation_id,
        channel=message.channel,
        intent=turn.intent,
        confidence=turn.confidence,
        payload=message.payload if pressed else None,
        now=utcnow(),
    )


def rasa_metadata(message: InboundMessage, facts: FactSigner) -> dict[str, Any]:
    """The facts Rasa's actions may rely on, signed by the app; never set by the citizen."""
    metadata = facts.sign(
        TurnFacts(
            sender=message.conversation_id,
            channel=message.channel,
            chat_id=message.chat_id,
            user_id=message.user_id,
            message_id=rasa_message_id(message),
            contact=message.contact.model_dump(mode="json") if message.contact else None,
        )
    )
    if message.attachment is not None:
        metadata["attachment"] = {"kind": message.attachment.kind}
    return metadata
