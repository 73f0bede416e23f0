"""Web chat: a websocket per open page; replies persist in the outbox and replay on reconnect."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.webchat import texts
from bot.delivery import Delivery
from bot.inbox import Inbox
from bot.messages import InboundKind, InboundMessage, OutboundMessage, clean_text
from bot.metrics import Metrics
from bot.transcript import history

log = logging.getLogger(__name__)

CHANNEL = "webchat"
STATIC = Path(__file__).parent / "static"
_CHAT_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_FRAME_BYTES = 64 * 1024
# Frames up to this size are read and answered with an error frame (the page stays connected);
# only a larger one makes aiohttp close the socket (1009), so memory stays bounded.
PROTOCOL_MAX_BYTES = 1024 * 1024


def render_text(message: OutboundMessage) -> str | None:
    """The message's text as the web chat shows it: a phone-share request, which only the
    messengers can answer, says how to identify there instead of naming a missing button."""
    if not message.request_contact:
        return message.text
    note = texts.text("identify_in_messenger")
    return f"{message.text}\n\n{note}" if message.text else note


def _frame(entry_id: int | None, author: str, message: OutboundMessage) -> dict[str, Any]:
    return {
        "type": "message",
        "id": entry_id,
        "author": author,
        "text": render_text(message),
        "buttons": [b.model_dump() for b in message.buttons],
        "request_contact": message.request_contact,
    }


class WebchatSender:
    """Pushes replies to the chat's open pages; a closed page gets them on reconnect."""

    channel = CHANNEL

    def __init__(self) -> None:
        self.sockets: dict[str, set[web.WebSocketResponse]] = {}

    async def send(self, chat_id: str, message: OutboundMessage, delivery: Delivery) -> None:
        """Best-effort push: the outbox row is the durable copy the page replays."""
        for socket in list(self.sockets.get(chat_id, ())):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await socket.send_json(_frame(delivery.transcript_id, message.author, message))


class WebchatEndpoint:
    """The websocket handler: session, replay, inbound messages, acknowledgements."""

    def __init__(
        self,
        inbox: Inbox,
        sender: WebchatSender,
        sessions: async_sessionmaker[AsyncSession],
        metrics: Metrics,
        allowed_origins: list[str],
    ) -> None:
        self._inbox = inbox
        self._sender = sender
        self._sessions = sessions
        self._metrics = metrics
        self._allowed_origins = set(allowed_origins)

    def _origin_ok(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser: no cross-site risk
        if origin in self._allowed_origins:
            return True
        return origin.split("://", 1)[-1] == request.host

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One page's websocket: `/chat/ws?chat=<id>&after=<last transcript id seen>`."""
        if not self._origin_ok(request):
            raise web.HTTPForbidden(text="origin not allowed")
        socket = web.WebSocketResponse(heartbeat=25, max_msg_size=PROTOCOL_MAX_BYTES)
        await socket.prepare(request)
        chat_id = request.query.get("chat", "")
        if not _CHAT_ID.match(chat_id):
            chat_id = secrets.token_urlsafe(18)
        await socket.send_json({"type": "session", "chat_id": chat_id})
        self._sender.sockets.setdefault(chat_id, set()).add(socket)
        try:
            await self._replay(socket, chat_id, request.query.get("after", "0"))
            async for frame in socket:
                if frame.type is WSMsgType.TEXT:
                    await self._on_frame(socket, chat_id, frame.data)
                elif frame.type is WSMsgType.BINARY:
                    await _refuse(socket, "text_only")
        finally:
            self._sender.sockets.get(chat_id, set()).discard(socket)
            if not self._sender.sockets.get(chat_id):
                self._sender.sockets.pop(chat_id, None)
        return socket

    async def _replay(self, socket: web.WebSocketResponse, chat_id: str, after: str) -> None:
        after_id = int(after) if after.isdigit() else 0
        async with self._sessions() as session:
            entries = await history(session, f"{CHANNEL}:{chat_id}", after_id)
        for entry in entries:
            payload = entry.payload or {}
            if entry.author == "system":
                continue  # operators' internal notes (transfers) are not for the citizen
            if entry.author == "citizen":
                message = OutboundMessage(text=entry.text or payload.get("payload"))
            else:
                message = OutboundMessage.model_validate({"text": entry.text, **payload})
            await socket.send_json({**_frame(entry.id, entry.author, message), "replay": True})

    async def _on_frame(self, socket: web.WebSocketResponse, chat_id: str, raw: str) -> None:
        if len(raw) > MAX_FRAME_BYTES:  # characters, at most 4 bytes each: a cheap first cut
            await _refuse(socket, "too_large")
            return
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser
            await _refuse(socket, "malformed")
            return
        message = _inbound(chat_id, data) if isinstance(data, dict) else None
        if message is None:
            await _refuse(socket, "malformed", data)
            return
        # the flood guard may drop it (then it is not a turn); the page still gets its ack
        if await self._inbox.accept(message):
            self._metrics.messages_in.labels(channel=CHANNEL).inc()
        await socket.send_json({"type": "ack", "id": message.external_id})


async def _refuse(socket: web.WebSocketResponse, error: str, data: object = None) -> None:
    """An error frame; it names the page's message id when the frame had a usable one."""
    frame: dict[str, Any] = {"type": "error", "error": error}
    client_id = data.get("id") if isinstance(data, dict) else None
    if isinstance(client_id, str) and _CLIENT_ID.match(client_id):
        frame["id"] = client_id
    await socket.send_json(frame)


def _inbound(chat_id: str, data: dict[str, Any]) -> InboundMessage | None:
    client_id = data.get("id")
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        return None
    kind = data.get("type")
    # blank once cleaned (spaces, control characters only): nothing for the bot to read
    if kind == "message" and isinstance(data.get("text"), str) and clean_text(data["text"]).strip():
        return InboundMessage(
            channel=CHANNEL,
            chat_id=chat_id,
            user_id=chat_id,
            external_id=client_id,
            text=data["text"],
        )
    if kind == "button" and isinstance(data.get("payload"), str) and data["payload"]:
        title = data.get("title") if isinstance(data.get("title"), str) else None
        return InboundMessage(
            channel=CHANNEL,
            chat_id=chat_id,
            user_id=chat_id,
            external_id=client_id,
            kind=InboundKind.BUTTON,
            text=title,
            payload=data["payload"][:500],
        )
    return None


def setup_webchat(
    app: web.Application,
    inbox: Inbox,
    sender: WebchatSender,
    sessions: async_sessionmaker[AsyncSession],
    metrics: Metrics,
    allowed_origins: list[str],
) -> None:
    """Register the page, its assets and the websocket."""
    endpoint = WebchatEndpoint(inbox, sender, sessions, metrics, allowed_origins)

    async def page(_: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def close_sockets(_: web.Application) -> None:
        # open pages would hold a graceful shutdown for its whole timeout; they reconnect
        for sockets in list(sender.sockets.values()):
            for socket in list(sockets):
                await socket.close(code=WSCloseCode.GOING_AWAY, message=b"restart")

    app.on_shutdown.append(close_sockets)
    app.router.add_get("/", page)
    app.router.add_get("/chat/ws", endpoint.handle)
    app.router.add_static("/chat/static/", STATIC)
