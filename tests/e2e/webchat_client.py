"""A citizen's side of the web chat socket, for end-to-end tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

Frame = dict[str, Any]


async def read_until(
    socket: aiohttp.ClientWebSocketResponse, predicate: Callable[[Frame], bool], wait_s: float = 60
) -> Frame:
    """The first frame that satisfies the predicate; earlier frames are dropped."""

    async def loop() -> Frame:
        while True:
            frame = await socket.receive_json()
            if predicate(frame):
                return dict(frame)

    return await asyncio.wait_for(loop(), wait_s)


def is_bot(frame: Frame) -> bool:
    """A message the assistant (or an operator) wrote to the citizen."""
    return frame.get("type") == "message" and frame.get("author") in ("bot", "operator")


async def open_chat(
    http: aiohttp.ClientSession, server: TestServer, chat: str = "", after: int = 0
) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    """Open the chat page's socket; returns it with the chat id the app assigned."""
    socket = await http.ws_connect(server.make_url(f"/chat/ws?chat={chat}&after={after}"))
    session = await read_until(socket, lambda f: f["type"] == "session")
    return socket, str(session["chat_id"])


async def say(socket: aiohttp.ClientWebSocketResponse, text: str, wait_s: float = 60) -> Frame:
    """Type a message and return the assistant's first answer to it."""
    await socket.send_json({"type": "message", "id": uuid.uuid4().hex, "text": text})
    await read_until(socket, lambda f: f["type"] == "ack")
    return await read_until(socket, is_bot, wait_s)


async def press(socket: aiohttp.ClientWebSocketResponse, payload: str, title: str) -> Frame:
    """Press a button and return the assistant's first answer."""
    await socket.send_json(
        {"type": "button", "id": uuid.uuid4().hex, "payload": payload, "title": title}
    )
    await read_until(socket, lambda f: f["type"] == "ack")
    return await read_until(socket, is_bot)


async def collect(socket: aiohttp.ClientWebSocketResponse, quiet_s: float) -> list[Frame]:
    """The turn's answers: the first, then each until the bot is quiet for `quiet_s`."""
    frames = [await read_until(socket, is_bot)]
    while True:
        try:
            frames.append(await read_until(socket, is_bot, wait_s=quiet_s))
        except TimeoutError:
            return frames


async def say_all(
    socket: aiohttp.ClientWebSocketResponse, text: str, quiet_s: float = 2.0
) -> list[Frame]:
    """Type a message; every answer of the turn (until the bot is quiet for `quiet_s`)."""
    await socket.send_json({"type": "message", "id": uuid.uuid4().hex, "text": text})
    await read_until(socket, lambda f: f["type"] == "ack")
    return await collect(socket, quiet_s)


def buttons(frames: list[Frame]) -> list[dict[str, str]]:
    """All the buttons of a turn."""
    return [
        {"title": b["title"], "payload": b["payload"]} for f in frames for b in f.get("buttons", [])
    ]
