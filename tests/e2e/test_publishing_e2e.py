"""Publishing a model while citizens talk: no turn fails, none is lost or answered twice.

The already-trained model is registered under new registry rows (a copy under another name),
which exercises the whole blue/green switch: a second Rasa process started by the publisher,
the app's turns moved over by the serving choice, the old process drained and stopped; a
rollback then goes back the same way. Training a fresh model takes minutes here, so it is not
done in this test (publishing/training.py is covered by the unit tests).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

import publishing.models  # noqa: F401 - the registry's tables
from bot.app import create_app
from bot.settings import Settings
from publishing.blue_green import stop_rasa
from publishing.models import ModelStatus
from publishing.registry import get_model
from publishing.service import Publisher
from tests.e2e.publishing_support import register_copy
from tests.e2e.webchat_client import is_bot, open_chat, read_until
from tests.support import RASA_TOKEN

pytestmark = [pytest.mark.rasa, pytest.mark.timeout(1200)]
CITIZENS = 20


async def _still_running(pid: int) -> bool:
    """Whether the process is still there after it was told to stop (SIGTERM: Rasa finishes
    what it holds first, so it is given a minute)."""
    for _ in range(120):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        await asyncio.sleep(0.5)
    return True


async def _citizen(
    http: aiohttp.ClientSession,
    server: TestServer,
    stop: asyncio.Event,
    latencies: list[tuple[float, float]],
) -> tuple[int, int, int, str]:
    """Talk until told to stop; (sent, answered live, bot lines live, chat id)."""
    socket, chat = await open_chat(http, server)
    sent = answered = bot_lines = 0
    while not stop.is_set():
        begun = time.monotonic()
        await socket.send_json({"type": "message", "id": f"{chat}-{sent}", "text": "спасибо"})
        sent += 1
        await read_until(socket, lambda f: f["type"] == "ack")
        await read_until(socket, is_bot, 120)
        latencies.append((begun, time.monotonic() - begun))
        answered += 1
        bot_lines += 1
        try:  # the rest of this answer, if it has several messages
            while True:
                if is_bot(await asyncio.wait_for(socket.receive_json(), 1.5)):
                    bot_lines += 1
        except TimeoutError:
            pass
    await socket.close()
    return sent, answered, bot_lines, chat


async def _transcript(
    http: aiohttp.ClientSession, server: TestServer, chat: str
) -> tuple[int, int]:
    socket, _ = await open_chat(http, server, chat=chat)
    lines = []
    try:
        while True:
            lines.append(await asyncio.wait_for(socket.receive_json(), 2))
    except TimeoutError:
        pass
    await socket.close()
    citizen = sum(1 for f in lines if f.get("author") == "citizen")
    return citizen, sum(1 for f in lines if f.get("author") == "bot")


async def test_publish_and_rollback_under_load_lose_no_turn(
    publisher: Publisher,
    demo_database: str,
    actions_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FOLLOW_INTERVAL_S", "0.5")
    blue_id = await register_copy(publisher, "blue")
    green_id = await register_copy(publisher, "green")
    blue = await publisher.switch(blue_id, None, "model_publish")  # nothing served before
    settings = Settings(
        database_url=demo_database,
        rasa_url=blue["rasa_url"],
        action_server_url=actions_url,
        rasa_token=RASA_TOKEN,
        router_poll_interval_s=0.2,
        retry_backoff_max_s=1.0,
        rasa_timeout_s=20,
        flood_burst=10_000,
    )
    server = TestServer(await create_app(settings), host="127.0.0.1")
    await server.start_server()
    latencies: list[tuple[float, float]] = []
    green: dict[str, Any] = {}
    back: dict[str, Any] = {}
    try:
        async with aiohttp.ClientSession() as http:
            stop = asyncio.Event()
            talking = [
                asyncio.create_task(_citizen(http, server, stop, latencies))
                for _ in range(CITIZENS)
            ]
            await asyncio.sleep(3)
            begun = time.monotonic()
            green = await publisher.publish(green_id, None)
            published = time.monotonic()
            back = await publisher.rollback(None)
            stop.set()
            results = await asyncio.gather(*talking)
            for sent, answered, bot_lines, chat in results:
                assert answered == sent  # none failed, none lost
                assert await _transcript(http, server, chat) == (sent, bot_lines)  # none twice
    finally:
        await server.close()
        for running in (back, green, blue):  # the one serving last (or a half-done publish)
            if running:
                stop_rasa(running["pid"])
                break
    async with publisher.sessions() as session:
        assert (await get_model(session, blue_id)).status == ModelStatus.SERVING
        assert (await get_model(session, green_id)).status == ModelStatus.RETIRED
    assert green["stopped"] == blue["pid"]
    assert back["stopped"] == green["pid"]
    assert not await _still_running(blue["pid"])
    assert not await _still_running(green["pid"])
    # the switch itself: from just before the serving row changed to the old Rasa's stop
    switched = published - publisher.settings.drain_s - 1
    print(  # the figures the issue asks for, read with -s
        f"\npublish (load + switch + drain) {published - begun:.1f} s;"
        f" all turns: {_percentiles([lat for _, lat in latencies])};"
        f" while the new Rasa loaded: "
        f"{_percentiles([lat for at, lat in latencies if begun <= at < switched])};"
        " switch and drain: "
        f"{_percentiles([lat for at, lat in latencies if switched <= at < published])}"
    )


def _percentiles(values: list[float]) -> str:
    """p50, p95 and max of turn latencies, for the report."""
    if not values:
        return "no turns"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    p50 = ordered[len(ordered) // 2]
    return f"n={len(ordered)} p50 {p50:.2f} s p95 {p95:.2f} s max {ordered[-1]:.2f} s"
