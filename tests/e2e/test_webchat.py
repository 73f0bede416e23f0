"""A citizen in the web chat, through the real Rasa and action server."""

from __future__ import annotations

import asyncio
import re
import uuid

import aiohttp
from aiohttp.test_utils import TestServer

from tests.e2e.webchat_client import is_bot, open_chat, read_until
from tests.support import RasaProcess

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


async def test_citizen_greets_and_gets_a_russian_answer_with_buttons(
    app_server: TestServer,
) -> None:
    async with aiohttp.ClientSession() as http:
        socket, _ = await open_chat(http, app_server)
        await socket.send_json({"type": "message", "id": "c1", "text": "привет"})
        ack = await read_until(socket, lambda f: f["type"] == "ack")
        assert ack["id"] == "c1"
        reply = await read_until(socket, is_bot)
        assert CYRILLIC.search(reply["text"])
        assert reply["buttons"], "the greeting offers the main topics as buttons"
        await socket.close()


async def test_button_press_is_understood_as_its_payload(app_server: TestServer) -> None:
    async with aiohttp.ClientSession() as http:
        socket, _ = await open_chat(http, app_server)
        await socket.send_json(
            {"type": "button", "id": "b1", "payload": "/support_contacts", "title": "Контакты"}
        )
        reply = await read_until(socket, is_bot)
        assert "8 800" in reply["text"] or "8-800" in reply["text"]
        await socket.close()


async def test_reconnect_replays_what_the_page_missed(app_server: TestServer) -> None:
    async with aiohttp.ClientSession() as http:
        socket, chat = await open_chat(http, app_server)
        await socket.send_json({"type": "message", "id": "r1", "text": "привет"})
        await read_until(socket, lambda f: f["type"] == "ack")
        await socket.close()  # the page drops before the answer arrives
        await asyncio.sleep(3)
        again, same_chat = await open_chat(http, app_server, chat=chat)
        assert same_chat == chat
        replayed = await read_until(again, is_bot)
        assert replayed.get("replay") is True
        assert CYRILLIC.search(replayed["text"])
        await again.close()


async def test_resent_message_after_reconnect_is_answered_once(app_server: TestServer) -> None:
    async with aiohttp.ClientSession() as http:
        socket, chat = await open_chat(http, app_server)
        frame = {"type": "message", "id": "dup1", "text": "спасибо"}
        await socket.send_json(frame)
        await socket.send_json(frame)  # the page resends an unacknowledged message
        live = [await read_until(socket, is_bot)]
        try:
            while True:
                frame = await asyncio.wait_for(socket.receive_json(), 3)
                if is_bot(frame):
                    live.append(frame)
        except TimeoutError:
            pass
        await socket.close()
        again, _ = await open_chat(http, app_server, chat=chat)
        lines = []
        try:
            while True:
                lines.append(await asyncio.wait_for(again.receive_json(), 2))
        except TimeoutError:
            pass
        citizen = [f for f in lines if f.get("author") == "citizen"]
        bot = [f for f in lines if f.get("author") == "bot"]
        assert len(citizen) == 1
        assert len(bot) == len(live)
        await again.close()


async def test_bad_frames_get_an_error_and_the_socket_keeps_serving(
    app_server: TestServer,
) -> None:
    async with aiohttp.ClientSession() as http:
        socket, _ = await open_chat(http, app_server)
        await socket.send_str("{not json")
        assert (await socket.receive_json())["type"] == "error"
        await socket.send_json({"type": "message", "id": "x" * 200, "text": "a"})
        assert (await socket.receive_json())["type"] == "error"
        await socket.send_json({"type": "message", "id": "ok1", "text": "😀"})
        assert (await read_until(socket, lambda f: f["type"] == "ack"))["id"] == "ok1"
        reply = await read_until(socket, is_bot)
        assert reply["text"]
        await socket.close()


async def test_health_ready_and_metrics_count_a_turn(app_server: TestServer) -> None:
    async with aiohttp.ClientSession() as http:
        socket, _ = await open_chat(http, app_server)
        await socket.send_json({"type": "message", "id": "m1", "text": "привет"})
        await read_until(socket, is_bot)
        await socket.close()
        async with http.get(app_server.make_url("/healthz")) as response:
            assert response.status == 200
        async with http.get(app_server.make_url("/readyz")) as response:
            assert response.status == 200
            assert await response.json() == {"ready": True, "database": True, "rasa": True}
        # The reply reaches the socket before the outbox counts it (after its database write).
        for _ in range(50):
            async with http.get(app_server.make_url("/metrics")) as response:
                body = await response.text()
            if 'gospom_messages_out_total{channel="webchat"}' in body:
                break
            await asyncio.sleep(0.1)
        assert 'gospom_messages_in_total{channel="webchat"} 1.0' in body
        assert 'gospom_messages_out_total{channel="webchat"}' in body
        assert 'gospom_turn_latency_seconds_count{channel="webchat"} 1.0' in body


async def test_rasa_killed_message_waits_citizen_told_busy_then_answered(
    app_server: TestServer, rasa: RasaProcess
) -> None:
    """Runs last in this module: it kills the shared Rasa and starts it again."""
    async with aiohttp.ClientSession() as http:
        rasa.kill()
        async with http.get(app_server.make_url("/readyz")) as response:
            assert response.status == 503
        socket, _ = await open_chat(http, app_server)
        await socket.send_json({"type": "message", "id": uuid.uuid4().hex, "text": "привет"})
        await read_until(socket, lambda f: f["type"] == "ack")
        busy = await read_until(socket, is_bot)
        assert "перегружен" in busy["text"]
        rasa.start(wait=False)
        answer = await read_until(socket, is_bot, wait_s=300)
        assert "перегружен" not in answer["text"]
        assert CYRILLIC.search(answer["text"])
        await socket.close()
