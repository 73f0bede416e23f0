"""The contract between the outbox and a channel's sender: what a delivery is, how it fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import OutboundMessage


class RetryLater(Exception):
    """The channel asked to wait (429) or failed temporarily (5xx, network)."""

    def __init__(self, reason: str, after_s: float | None = None) -> None:
        super().__init__(reason)
        self.after_s = after_s


class DeliveryFailed(Exception):
    """The channel refused the message for good (blocked bot, chat gone, invalid request)."""


@dataclass(frozen=True)
class Delivery:
    """Which stored reply is being delivered (senders use it for deduplication and replay)."""

    outbox_id: int
    transcript_id: int | None
    attempt: int


class ChannelSender(Protocol):
    """What an adapter provides to deliver replies in its channel."""

    channel: str

    async def send(self, chat_id: str, message: OutboundMessage, delivery: Delivery) -> None:
        """Deliver one message; raise RetryLater or DeliveryFailed when it was not delivered."""
