"""`GET /api/ws`: the console's live view — queue changes, new lines and chat changes, pushed.

The feed wakes on the service's `changed` event (a change on this instance) and re-reads at least
every second anyway, so a change made on another instance sharing the database shows within a
second. It only sends what differs from what it sent last.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.keys import SESSIONS, SETTINGS
from bot.models import TranscriptEntry
from bot.storage import session_scope, utcnow
from bot.transcript import history
from bot.wakeups import Pulse
from handoff.api.routing import RouteTable, SocketCall, error_response
from handoff.console.texts import console_text
from handoff.desk.views import chat_summary, line_view, queue_view
from handoff.keys import HANDOFF
from handoff.models import HandoffChat, Role
from handoff.operators.auth import COOKIE, current_session
from handoff.operators.permissions import may_open

routes = RouteTable()

REREAD_S = 1.0  # the longest a change made elsewhere stays unseen
MIN_INTERVAL_S = 0.1  # bursts of changes coalesce into one read
MAX_FRAME_BYTES = 4096
SESSION_GONE = 4401  # close code: the session ended (logout, expiry, password reset)


class LiveSockets:
    """This instance's open console sockets, closed on shutdown so they do not hold it up."""

    def __init__(self) -> None:
        self.open: set[web.WebSocketResponse] = set()

    async def close_all(self, _: web.Application) -> None:
        """Close every socket; the page reconnects to another instance or after the restart."""
        for socket in list(self.open):
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"restart")


LIVE = web.AppKey("console_live", LiveSockets)


def setup_live(app: web.Application) -> None:
    """Keep track of the sockets so a shutdown closes them."""
    app[LIVE] = LiveSockets()
    app.on_shutdown.append(app[LIVE].close_all)


def origin_allowed(request: web.Request, public_url: str | None) -> bool:
    """The page that opens the socket must be ours: same host, or the configured public URL."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    if urlsplit(origin).netloc == request.host:
        return True
    if public_url:
        public = urlsplit(public_url)
        return origin == f"{public.scheme}://{public.netloc}"
    return False


class LiveFeed:
    """One console socket: what it sent last, and which chat it watches."""

    def __init__(
        self,
        socket: web.WebSocketResponse,
        sessions: async_sessionmaker[AsyncSession],
        changed: Pulse,
        operator_id: int,
        token: str,
    ) -> None:
        self._socket = socket
        self._sessions = sessions
        self._changed = changed
        self._generation = changed.generation
        self._operator_id = operator_id
        self._token = token
        self._wake = asyncio.Event()
        self._last_queue: Any = None
        self._watch: int | None = None
        self._last_line = 0
        self._last_version: int | None = None

    async def run(self) -> None:
        """Push until the socket closes or the session ends."""
        reader = asyncio.create_task(self._read())
        try:
            while not self._socket.closed and not reader.done():
                if not await self._push():
                    await self._socket.close(code=SESSION_GONE, message=b"session ended")
                    break
                await self._sleep()
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _sleep(self) -> None:
        await asyncio.sleep(MIN_INTERVAL_S)
        seen = self._generation
        waiters = {
            asyncio.ensure_future(self._changed.wait_after(seen, REREAD_S)),
            asyncio.ensure_future(self._wake.wait()),
        }
        try:
            await asyncio.wait(waiters, timeout=REREAD_S, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self._wake.clear()
        self._generation = self._changed.generation

    async def _read(self) -> None:
        async for frame in self._socket:
            if frame.type is not WSMsgType.TEXT:
                continue
            try:
                data = json.loads(frame.data)
            except ValueError:
                data = None
            if isinstance(data, dict) and data.get("type") == "watch":
                await self._on_watch(data)
            else:
                await self._socket.send_json({"type": "error", "error": "malformed"})

    async def _on_watch(self, data: dict[str, Any]) -> None:
        chat_id, after = data.get("chat_id"), data.get("after_id")
        if chat_id is None:
            self._watch = None
            return
        if not isinstance(chat_id, int) or not (after is None or isinstance(after, int)):
            await self._socket.send_json({"type": "error", "error": "malformed"})
            return
        async with self._sessions() as session:
            found = await current_session(session, self._token, utcnow())
            chat = await session.get(HandoffChat, chat_id)
            if found is None or chat is None or not await may_open(session, found[0], chat):
                await self._socket.send_json(
                    {"type": "error", "error": console_text("chat_not_yours"), "chat_id": chat_id}
                )
                return
            if after is None:  # only what is new from now on: the page has just loaded the rest
                latest = await session.scalar(
                    select(func.max(TranscriptEntry.id)).where(
                        TranscriptEntry.conversation_id == chat.conversation_id
                    )
                )
                after = int(latest or 0)
            self._watch, self._last_line, self._last_version = chat_id, after, chat.version
        self._wake.set()

    async def _push(self) -> bool:
        """Send what changed; False when the session is no longer valid."""
        now = utcnow()
        async with session_scope(self._sessions) as session:  # commits the presence heartbeat
            found = await current_session(session, self._token, now)
            if found is None:
                return False
            operator = found[0]
            queue = (await queue_view(session, operator, now)).model_dump(mode="json")
            fingerprint = _without_clock(queue)
            if fingerprint != self._last_queue:
                self._last_queue = fingerprint
                await self._socket.send_json({"type": "queue", **queue})
            if self._watch is not None:
                await self._push_chat(session, self._watch, now)
        return True

    async def _push_chat(self, session: AsyncSession, chat_id: int, now: Any) -> None:
        chat = await session.get(HandoffChat, chat_id)
        if chat is None:
            return
        entries = await history(session, chat.conversation_id, after_id=self._last_line)
        if entries:
            self._last_line = entries[-1].id
            lines = [line_view(entry).model_dump(mode="json") for entry in entries]
            await self._socket.send_json({"type": "lines", "chat_id": chat_id, "lines": lines})
        if chat.version != self._last_version:
            self._last_version = chat.version
            summary = await chat_summary(session, chat, now)
            await self._socket.send_json({"type": "chat", "chat": summary.model_dump(mode="json")})


def _without_clock(queue: dict[str, Any]) -> Any:
    """The queue minus the waits that grow every second: those alone are no change."""
    return {
        "groups": queue["groups"],
        "chats": [{k: v for k, v in chat.items() if k != "wait_s"} for chat in queue["chats"]],
    }


@routes.websocket(
    "/api/ws",
    summary="Live console: pushes queue, lines of a watched chat and chat changes",
    role=Role.OPERATOR,
)
async def live(call: SocketCall) -> web.StreamResponse:
    """Check the Origin, then feed the socket until it closes."""
    request = call.request
    if not origin_allowed(request, request.app[SETTINGS].public_url):
        return error_response(403, console_text("origin_not_allowed"))
    socket = web.WebSocketResponse(heartbeat=25, max_msg_size=MAX_FRAME_BYTES)
    await socket.prepare(request)
    sockets = request.app[LIVE].open
    sockets.add(socket)
    feed = LiveFeed(
        socket,
        request.app[SESSIONS],
        request.app[HANDOFF].changed,
        call.operator.id,
        request.cookies.get(COOKIE, ""),
    )
    try:
        await feed.run()
    finally:
        sockets.discard(socket)
    return socket
