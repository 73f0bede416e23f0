"""The app's Rasa channel (`rasa_server.channel.AppInput`) against the real Rasa server."""

from __future__ import annotations

import uuid

import aiohttp
import pytest

from bot.rasa_client import RasaClient
from tests.support import RASA_TOKEN, RasaProcess

pytestmark = pytest.mark.rasa


async def test_a_retried_turn_is_answered_again_but_counted_once(rasa: RasaProcess) -> None:
    """The app retries a turn when it crashed after Rasa answered: same answer, one turn."""
    sender = f"webchat:{uuid.uuid4().hex}"
    async with aiohttp.ClientSession() as http:
        client = RasaClient(http, rasa.url, RASA_TOKEN, 30)
        first = await client.turn(sender, "привет", f"{sender}:m1", {"channel": "webchat"})
        again = await client.turn(sender, "привет", f"{sender}:m1", {"channel": "webchat"})
        other = await client.turn(sender, "спасибо", f"{sender}:m2", {"channel": "webchat"})
        async with http.get(
            f"{rasa.url}/conversations/{sender}/tracker", params={"token": RASA_TOKEN}
        ) as response:
            tracker = await response.json()
    assert first.messages
    assert again.messages == first.messages
    assert again.intent == first.intent == "greet"
    assert other.intent == "thanks"
    user_turns = [e.get("message_id") for e in tracker["events"] if e["event"] == "user"]
    assert user_turns == [f"{sender}:m1", f"{sender}:m2"]


async def test_a_wrong_token_is_refused(rasa: RasaProcess) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{rasa.url}/webhooks/app/webhook",
            json={"sender": "webchat:x", "message": "привет"},
            headers={"Authorization": "Bearer forged"},
        ) as response,
    ):
        assert response.status == 401


async def test_a_pause_left_after_a_handoff_never_silences_the_bot(rasa: RasaProcess) -> None:
    """A late `pause` (after the resume) must not leave the citizen without answers."""
    sender = f"telegram:{uuid.uuid4().hex[:10]}"
    async with aiohttp.ClientSession() as http:
        client = RasaClient(http, rasa.url, RASA_TOKEN, 30)
        await client.append_events(sender, [{"event": "pause"}])
        turn = await client.turn(sender, "привет", f"{sender}:1", {"channel": "telegram"})
    assert turn.intent == "greet"
    assert turn.messages, "the bot answered although the tracker had been paused"
