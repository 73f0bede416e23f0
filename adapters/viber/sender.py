"""`ViberSender`: the outbox's channel sender for Viber."""

from __future__ import annotations

import logging
from collections import OrderedDict

from adapters.ratelimit import SendRateLimiter
from adapters.viber.client import ViberApi
from adapters.viber.parse import CHANNEL
from adapters.viber.render import render
from adapters.viber.tracking import Tracking
from bot.delivery import Delivery, DeliveryFailed
from bot.messages import OutboundMessage
from bot.metrics import Metrics

log = logging.getLogger(__name__)

MAX_SENDER_NAME = 28
_REMEMBERED_TOKENS = 10_000


class ViberSender:
    """Renders and sends one outbox item as the bot's name (and avatar).

    Like the Telegram sender, a split message resumes where it stopped on retry, and every part
    waits for the rate limiter when one is set (Viber answers an exceeded limit with status 12,
    which is retried). The
    `message_token` of each sent part is remembered (bounded) so a later `failed` callback can
    name the outbox item it concerns.
    """

    channel = CHANNEL

    def __init__(
        self,
        api: ViberApi,
        tracking: Tracking,
        *,
        name: str,
        avatar: str | None = None,
        metrics: Metrics | None = None,
        limiter: SendRateLimiter | None = None,
    ) -> None:
        self.api = api
        self.tracking = tracking
        self.sender: dict[str, str] = {"name": name[:MAX_SENDER_NAME]}
        if avatar:
            self.sender["avatar"] = avatar
        self.metrics = metrics
        self.limiter = limiter
        self._progress: dict[int, int] = {}
        self._sent_tokens: OrderedDict[str, int] = OrderedDict()
        self.failures: list[tuple[int | None, str]] = []

    async def send(self, chat_id: str, message: OutboundMessage, delivery: Delivery) -> None:
        """Send every part not yet sent for this delivery (RetryLater / DeliveryFailed raise)."""
        bodies = render(message, user_id=chat_id, tracking=self.tracking)
        done = self._progress.get(delivery.outbox_id, 0)
        for index in range(done, len(bodies)):
            body = {"receiver": chat_id, "sender": self.sender, **bodies[index]}
            if self.limiter is not None:
                await self.limiter.wait(chat_id)
            try:
                token = await self.api.send_message(body)
            except DeliveryFailed:
                self._progress.pop(delivery.outbox_id, None)
                raise
            self._progress[delivery.outbox_id] = index + 1
            if token is not None:
                self._remember(token, delivery.outbox_id)
        self._progress.pop(delivery.outbox_id, None)

    def _remember(self, token: str, outbox_id: int) -> None:
        self._sent_tokens[token] = outbox_id
        while len(self._sent_tokens) > _REMEMBERED_TOKENS:
            self._sent_tokens.popitem(last=False)

    def record_failure(self, message_token: str | None, description: str | None) -> int | None:
        """Viber's `failed` callback: the client could not show a message we sent.

        Returns the outbox item the message belonged to, when this process sent it.
        """
        outbox_id = self._sent_tokens.get(message_token or "")
        reason = (description or "unknown")[:200]
        self.failures.append((outbox_id, reason))
        del self.failures[:-100]
        if self.metrics is not None:
            self.metrics.errors.labels(component="send_viber_failed").inc()
        log.error("viber could not deliver", extra={"outbox_id": outbox_id, "reason": reason})
        return outbox_id
