"""Rasa input channel for the app: token-checked, carries metadata, returns the parse with replies.

The app (not Rasa) owns Telegram, Viber and the web chat; it posts every citizen turn here and
needs the recognised intent for the operator's transcript, so the reply includes it.
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000


class AppInput(InputChannel):
    """`POST /webhooks/app/webhook` with `Authorization: Bearer <RASA_TOKEN>`."""

    @classmethod
    def name(cls) -> Text:
        return "app"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "AppInput":
        token = (credentials or {}).get("token") or os.environ.get("RASA_TOKEN", "")
        return cls(token=str(token))

    def __init__(self, token: Text) -> None:
        if not token:
            raise ValueError("AppInput needs a token (credentials 'token' or RASA_TOKEN)")
        self.token = token

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        given = header[7:] if header.startswith("Bearer ") else ""
        return hmac.compare_digest(given.encode(), self.token.encode())

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        app_webhook = Blueprint("app_webhook", __name__)

        @app_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @app_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            sender = body.get("sender")
            text = body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text[:MAX_TEXT_CHARS],
                    collector,
                    sender,
                    input_channel=self.name(),
                    metadata=metadata,
                    message_id=body.get("message_id"),
                )
            )
            parse = await _latest_parse(request, sender)
            return response.json(
                {
                    "messages": collector.messages,
                    "intent": parse.get("intent") or {},
                    "entities": [
                        {"entity": e.get("entity"), "value": e.get("value")}
                        for e in parse.get("entities") or []
                    ],
                }
            )

        return app_webhook


async def _latest_parse(request: Request, sender: str) -> Dict[Text, Any]:
    """The parse of the citizen's last message, read back from the tracker store."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return {}
    tracker = await agent.tracker_store.retrieve(sender)
    if tracker is None:
        return {}
    return dict(tracker.latest_message.parse_data or {})
