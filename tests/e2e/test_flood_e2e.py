"""Issue 10's probe, through the real Rasa: one web chat sends 500 messages in about 3 s."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.settings import Settings
from bot.texts import text
from tests.e2e.webchat_client import is_bot, open_chat, say
from tests.support import RASA_TOKEN, RasaProcess


async def frames_until_quiet(
    socket: aiohttp.ClientWebSocketResponse, quiet_s: float
) -> tuple[list[Any], float]:
    """Every frame until the socket is quiet, and when the last ack came (the server's pace)."""
    frames: list[Any] = []
    last_ack = time.monotonic()
    while True:
        try:
            message = await socket.receive(timeout=quiet_s)
        except TimeoutError:
            return frames, last_ack
        if message.type is not aiohttp.WSMsgType.TEXT:
            return frames, last_ack
        frames.append(message.json())
        if frames[-1]["type"] == "ack":
            last_ack = time.monotonic()


async def user_turns(http: aiohttp.ClientSession, rasa: RasaProcess, sender: str) -> int:
    url = f"{rasa.url}/conversations/{sender}/tracker"
    async with http.get(url, params={"token": RASA_TOKEN}) as response:
        assert response.status == 200
        tracker = await response.json()
    return sum(1 for event in tracker["events"] if event.get("event") == "user")


async def test_flood_of_500_messages_reaches_rasa_as_a_bounded_number_of_turns(
    app_server: TestServer, rasa: RasaProcess
) -> None:
    burst = Settings(_env_file=None).flood_burst
    async with aiohttp.ClientSession() as http:
        socket, chat = await open_chat(http, app_server)
        started = time.monotonic()
        for n in range(500):
            await socket.send_json({"type": "message", "id": f"flood{n}", "text": f"привет {n}"})
            await asyncio.sleep(3 / 500)
        frames, last_ack = await frames_until_quiet(socket, quiet_s=8)
        elapsed = last_ack - started  # the allowance refills for as long as the server took them
        assert sum(1 for f in frames if f["type"] == "ack") == 500
        notices = [f for f in frames if is_bot(f) and f["text"] == text("flood_notice")]
        assert len(notices) == 1  # told once, not 494 times
        turns = await user_turns(http, rasa, f"webchat:{chat}")
        assert burst <= turns <= burst + elapsed + 1, (turns, elapsed)
        # a citizen who waits a moment is answered again
        await asyncio.sleep(2)
        reply = await say(socket, "привет")
        assert reply["text"]
        assert await user_turns(http, rasa, f"webchat:{chat}") == turns + 1
        await socket.close()
