"""`GET /api/ws`: the console's live view is pushed, guarded by session and Origin."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.inbox import Inbox
from bot.messages import InboundMessage
from bot.storage import session_scope
from tests.handoff.api.conftest import ConsoleUser, Instance, InstancesFactory, seed_chat


def origin(instance: Instance) -> str:
    """The Origin a console page served by this instance sends."""
    return str(instance.server.make_url("/")).rstrip("/")


async def next_frame(
    socket: aiohttp.ClientWebSocketResponse, kind: str, timeout_s: float = 5
) -> dict[str, Any]:
    """The next frame of a kind, skipping others."""
    deadline = time.monotonic() + timeout_s
    while True:
        frame: dict[str, Any] = await socket.receive_json(
            timeout=max(0.01, deadline - time.monotonic())
        )
        if frame["type"] == kind:
            return frame


async def request_operator(
    instance: Instance, sessions: async_sessionmaker[AsyncSession], chat: str
) -> str:
    """A citizen writes, and the bot hands the conversation over (the router's custom handler)."""
    await Inbox(sessions).accept(
        InboundMessage(
            channel="webchat", chat_id=chat, user_id=chat, external_id=f"{chat}-1", text="оператор"
        )
    )
    conversation = f"webchat:{chat}"
    async with session_scope(sessions) as session:
        await instance.service.intake.on_handoff(session, conversation, {"topic": "access"})
    return conversation


async def test_socket_needs_a_session_and_our_origin(make_console: InstancesFactory) -> None:
    console = await make_console(1)
    anonymous = await console.user()
    url = console.main.url("/api/ws")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await anonymous.http.ws_connect(url, headers={"Origin": origin(console.main)})
    assert refused.value.status == 401
    op1 = await console.user("op1")
    for headers in ({}, {"Origin": "https://evil.example"}):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await op1.http.ws_connect(url, headers=headers)
        assert refused.value.status == 403


async def test_queue_lines_and_chat_changes_are_pushed(make_console: InstancesFactory) -> None:
    console = await make_console(1)
    op1 = await console.user("op1")
    inbox = Inbox(console.sessions)
    async with op1.http.ws_connect(
        console.main.url("/api/ws"), headers={"Origin": origin(console.main)}
    ) as socket:
        first = await next_frame(socket, "queue")
        assert first["chats"] == []
        assert first["groups"][0]["code"] == "access"

        started = time.monotonic()
        await request_operator(console.main, console.sessions, "live-1")
        update = await next_frame(socket, "queue")
        assert time.monotonic() - started < 1.5
        (chat,) = update["chats"]
        assert chat["status"] == "queued"
        assert chat["position"] == 1
        assert update["groups"][0]["queued"] == 1

        await socket.send_json({"type": "watch", "chat_id": chat["id"]})
        await asyncio.sleep(0.3)
        await inbox.accept(
            InboundMessage(
                channel="webchat",
                chat_id="live-1",
                user_id="live-1",
                external_id="live-1-2",
                text="я всё ещё жду",
            )
        )
        lines = await next_frame(socket, "lines")
        assert lines["chat_id"] == chat["id"]
        assert [line["text"] for line in lines["lines"]] == ["я всё ещё жду"]

        status, _ = await op1.call("POST", f"/api/chats/{chat['id']}/take")
        assert status == 200
        changed = await next_frame(socket, "chat")
        assert changed["chat"]["status"] == "assigned"
        assert changed["chat"]["operator"]["id"] == console.staff["op1"]

        await socket.send_json({"type": "nonsense"})
        assert (await next_frame(socket, "error"))["error"] == "malformed"


async def test_watching_someone_elses_group_is_refused(make_console: InstancesFactory) -> None:
    console = await make_console(1)
    chat_id = await seed_chat(console.sessions, "tech-only", "technical")
    op1 = await console.user("op1")
    async with op1.http.ws_connect(
        console.main.url("/api/ws"), headers={"Origin": origin(console.main)}
    ) as socket:
        await socket.send_json({"type": "watch", "chat_id": chat_id})
        refusal = await next_frame(socket, "error")
        assert refusal["chat_id"] == chat_id


async def test_a_chat_queued_on_one_instance_reaches_a_console_on_the_other(
    make_console: InstancesFactory,
) -> None:
    console = await make_console(2)
    watcher: ConsoleUser = await console.user("op1", instance=1)
    async with watcher.http.ws_connect(
        console.instances[1].url("/api/ws"), headers={"Origin": origin(console.instances[1])}
    ) as socket:
        assert (await next_frame(socket, "queue"))["chats"] == []
        started = time.monotonic()
        await request_operator(console.instances[0], console.sessions, "elsewhere")
        update = await next_frame(socket, "queue")
        assert time.monotonic() - started < 2.5, "re-read at least every second"
        assert [chat["status"] for chat in update["chats"]] == ["queued"]


async def test_logout_closes_the_socket(make_console: InstancesFactory) -> None:
    console = await make_console(1)
    op1 = await console.user("op1")
    async with op1.http.ws_connect(
        console.main.url("/api/ws"), headers={"Origin": origin(console.main)}
    ) as socket:
        await next_frame(socket, "queue")
        assert (await op1.call("POST", "/api/logout"))[0] == 204
        message = await socket.receive(timeout=3)
        assert message.type is aiohttp.WSMsgType.CLOSE
        assert message.data == 4401


async def test_shutdown_closes_open_consoles(make_console: InstancesFactory) -> None:
    console = await make_console(1)
    op1 = await console.user("op1")
    async with op1.http.ws_connect(
        console.main.url("/api/ws"), headers={"Origin": origin(console.main)}
    ) as socket:
        await next_frame(socket, "queue")
        started = time.monotonic()
        closing = asyncio.create_task(console.main.server.close())
        message = await socket.receive(timeout=5)
        assert message.type is aiohttp.WSMsgType.CLOSE
        assert message.data == aiohttp.WSCloseCode.GOING_AWAY
        await closing
        assert time.monotonic() - started < 5
