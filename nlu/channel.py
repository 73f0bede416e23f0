"""Rasa input channel for the app: token-checked, carries metadata, returns the parse with replies.

The app (not Rasa) owns Telegram, Viber and the web chat; it posts every citizen turn here and
needs the recognised intent for the operator's transcript, so the reply includes it.
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, ConversationResumed, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
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
            message_id = body.get("message_id")
            tracker = await _tracker(request, sender)
            if tracker is not None and isinstance(message_id, str):
                replayed = replay_of(tracker, message_id)
                if replayed is not None:
                    # The app retried a turn Rasa already answered (it crashed before it could
                    # store the replies): give the same answer, never a second tracker turn.
                    return response.json(replayed)
            if tracker is not None and tracker.is_paused():
                # The app sends a turn only when the bot owns the conversation: a pause left
                # over from a handoff (e.g. one that reached Rasa after the resume) must not
                # leave the citizen without answers.
                await _resume(request, tracker)
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text[:MAX_TEXT_CHARS],
                    collector,
                    sender,
                    input_channel=self.name(),
                    metadata=metadata,
                    message_id=message_id if isinstance(message_id, str) else None,
                )
            )
            tracker = await _tracker(request, sender)
            parse = dict(tracker.latest_message.parse_data or {}) if tracker else {}
            return response.json(_answer(collector.messages, parse))

        return app_webhook


def _answer(messages: List[Dict[Text, Any]], parse: Dict[Text, Any]) -> Dict[Text, Any]:
    return {
        "messages": messages,
        "intent": parse.get("intent") or {},
        "entities": [
            {"entity": e.get("entity"), "value": e.get("value")}
            for e in parse.get("entities") or []
        ],
    }


def replay_of(tracker: DialogueStateTracker, message_id: Text) -> Optional[Dict[Text, Any]]:
    """The answer already given to `message_id`, rebuilt from the tracker; None if it is new."""
    events = list(tracker.events)
    for index, event in enumerate(events):
        if isinstance(event, UserUttered) and event.message_id == message_id:
            messages = []
            for later in events[index + 1 :]:
                if isinstance(later, UserUttered):
                    break
                if isinstance(later, BotUttered):
                    message = {"recipient_id": tracker.sender_id, "text": later.text}
                    message.update({k: v for k, v in (later.data or {}).items() if v})
                    messages.append(message)
            return _answer(messages, dict(event.parse_data or {}))
    return None


async def _resume(request: Request, tracker: DialogueStateTracker) -> None:
    logger.warning("conversation was still paused after its handoff; resuming it")
    tracker.update(ConversationResumed())
    await request.app.ctx.agent.tracker_store.save(tracker)


async def _tracker(request: Request, sender: str) -> Optional[DialogueStateTracker]:
    """The conversation's tracker from the tracker store, when there is one."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.tracker_store is None:
        return None
    return await agent.tracker_store.retrieve(sender)
