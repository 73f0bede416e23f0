"""Rasa input channel for the app: token-checked, carries metadata, returns the parse with replies.

The app (not Rasa) owns Telegram, Viber and the web chat; it posts every citizen turn here and
needs the recognised intent for the operator's transcript, so the reply includes it. A turn is
answered only when it is whole: a custom action that could not run, a tracker store that cannot
be read or written, or Rasa still loading its model answer 503 with nothing saved, and the app
retries the turn (`rasa_server/turn.py`, `rasa_server/tracker_store.py`).
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.shared.core.trackers import DialogueStateTracker
from redis.exceptions import RedisError
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from rasa_server import turn
from rasa_server.tracker_store import make_strict

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000
# A tracker store or lock store that cannot be reached; with `make_strict` these reach the channel
# instead of Rasa silently keeping the turn in memory.
STORE_ERRORS = (SQLAlchemyError, RedisError, LockError, ConnectionError, OSError)


class AppInput(InputChannel):
    """`POST /webhooks/app/webhook` with `Authorization: Bearer <RASA_TOKEN>`."""

    @classmethod
    def name(cls) -> str:
        return "app"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> AppInput:
        token = (credentials or {}).get("token") or os.environ.get("RASA_TOKEN", "")
        return cls(token=str(token))

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("AppInput needs a token (credentials 'token' or RASA_TOKEN)")
        self.token = token
        turn.guard_remote_actions()

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        given = header[7:] if header.startswith("Bearer ") else ""
        return hmac.compare_digest(given.encode(), self.token.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # `on_new_message` (Rasa's agent.handle_message) is not used: `rasa_server.turn.run_turn`
        # runs the same steps on one tracker read and saves only a whole turn.
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
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return _unavailable("model", "model not loaded")
            make_strict(agent)  # again: a model loaded through the API brings a new agent
            message = UserMessage(
                text[:MAX_TEXT_CHARS],
                CollectingOutputChannel(),
                sender,
                input_channel=self.name(),
                metadata=metadata,
                message_id=message_id if isinstance(message_id, str) else None,
            )
            try:
                result = await turn.run_turn(agent, message)
            except turn.ActionUnavailable as exc:
                logger.warning(
                    "custom action %s could not run (%s): turn not saved, the app retries it",
                    exc.action,
                    exc.reason,
                )
                return _unavailable("action_server", f"custom action {exc.action} could not run")
            except STORE_ERRORS as exc:
                # the tracker store's database or the Redis lock store: the turn was not saved
                logger.warning(
                    "tracker or lock store unavailable (%s): turn not saved, the app retries it",
                    type(exc).__name__,
                )
                return _unavailable("tracker_store", "tracker or lock store unavailable")
            return response.json(_answer(result.messages, result.parse))

        @app_webhook.listener("after_server_start")
        async def strict_tracker_store(app: Sanic, _: Any) -> None:
            # the agent is loaded by a `before_server_start` listener of Rasa's
            make_strict(getattr(app.ctx, "agent", None))

        return app_webhook


def _unavailable(what: str, error: str) -> HTTPResponse:
    """503 telling the app what is missing: `model` (this instance is not serving yet) or a
    shared dependency (`action_server`, `tracker_store`) that no other instance would have."""
    return response.json({"error": error, "unavailable": what}, status=503)


def _answer(messages: list[dict[str, Any]], parse: dict[str, Any]) -> dict[str, Any]:
    return {
        "messages": messages,
        "intent": parse.get("intent") or {},
        "entities": [
            {"entity": e.get("entity"), "value": e.get("value")}
            for e in parse.get("entities") or []
        ],
    }


def replay_of(tracker: DialogueStateTracker, message_id: str) -> dict[str, Any] | None:
    """The answer already given to `message_id`, rebuilt from the tracker; None if it is new."""
    result = turn.replay_of(tracker, message_id)
    return None if result is None else _answer(result.messages, result.parse)
