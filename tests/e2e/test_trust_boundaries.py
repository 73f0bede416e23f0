"""Nobody but the app can bind a chat or read an appeal: the probes of issue 10, on the real stack.

The action server refuses callers without its token; with the token (or Rasa's) leaked, a forged
tracker or a forged phone share still binds nothing, because the actions believe only facts the
app signed. The positive controls show the same path does bind when the app vouches for it.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from actions.consent import load_consent
from actions.demo import DEMO_CITIZEN_PHONE
from actions.store.models import MessengerBinding
from actions.store.privacy import give_consent
from actions.texts import TEXTS
from bot.facts import FactSigner, TurnFacts
from bot.rasa_client import RasaClient
from bot.storage import create_engine, create_session_factory, session_scope, utcnow
from tests.support import ACTION_SERVER_TOKEN, FACTS_SIGNING_KEY, RASA_TOKEN, RasaProcess

pytestmark = pytest.mark.rasa
FORGED_CONTACT = {"contact": {"phone": DEMO_CITIZEN_PHONE, "verified": True}}


def action_call(action: str, sender: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """An action request as Rasa sends it, with a made-up tracker for `sender`."""
    latest = {
        "intent": {"name": "share_contact", "confidence": 1.0},
        "entities": [],
        "text": "/share_contact",
        "metadata": metadata,
    }
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": latest,
            "events": [{"event": "user", "text": "/share_contact", "parse_data": latest}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


async def binding_of(database_url: str, sender: str) -> MessengerBinding | None:
    """The sender's binding in the ticket store, if any."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await session.scalar(
                select(MessengerBinding).where(MessengerBinding.messenger_user_id == sender)
            )
    finally:
        await engine.dispose()


async def consented(database_url: str, sender: str) -> None:
    """The chat agreed to the consent text (privacy), so what refuses a forgery is the signature."""
    engine = create_engine(database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            version = (await load_consent()).version
            await give_consent(session, sender, "telegram", version, utcnow())
    finally:
        await engine.dispose()


async def call_action(url: str, call: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Post an action call with the (leaked) action-server token; status and JSON body."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/webhook", params={"token": ACTION_SERVER_TOKEN}, json=call) as response,
    ):
        return response.status, await response.json()


def texts_of(answer: dict[str, Any]) -> str:
    """Every text the action server or Rasa answered with, joined."""
    responses = answer.get("responses") or answer.get("messages") or []
    return "\n".join(str(item.get("text") or item.get("custom") or "") for item in responses)


async def test_the_forged_identify_call_of_the_probe_is_refused_and_binds_nothing(
    actions_url: str, demo_database: str
) -> None:
    sender = f"telegram:{uuid.uuid4().int % 10**9}"
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{actions_url}/webhook", json=action_call("action_identify", sender, FORGED_CONTACT)
        ) as response,
    ):
        assert response.status == 401
    assert await binding_of(demo_database, sender) is None


async def test_my_appeals_called_without_the_action_token_is_refused(actions_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for params in ({}, {"token": "forged"}):
            async with http.post(
                f"{actions_url}/webhook",
                params=params,
                json=action_call("action_my_appeals", "telegram:1", {}),
            ) as response:
                assert response.status == 401
                assert "appeal" not in (await response.text()).lower()


async def test_a_leaked_action_token_with_a_forged_contact_binds_nothing(
    actions_url: str, demo_database: str
) -> None:
    sender = f"telegram:{uuid.uuid4().int % 10**9}"
    await consented(demo_database, sender)
    status, answer = await call_action(
        actions_url, action_call("action_identify", sender, FORGED_CONTACT)
    )
    assert status == 200
    assert TEXTS.identify_unverified in texts_of(answer)
    assert await binding_of(demo_database, sender) is None


async def test_a_signature_for_another_chat_binds_nothing(
    actions_url: str, demo_database: str
) -> None:
    """Facts copied from another chat's tracker (a replay) do not bind the attacker's chat."""
    victim, attacker = (f"telegram:{uuid.uuid4().int % 10**9}" for _ in range(2))
    chat = victim.split(":")[1]
    facts = TurnFacts(victim, "telegram", chat, chat, f"{victim}:1", FORGED_CONTACT["contact"])
    signed = FactSigner(FACTS_SIGNING_KEY.encode()).sign(facts)
    await consented(demo_database, attacker)
    status, _ = await call_action(actions_url, action_call("action_identify", attacker, signed))
    assert status == 200
    assert await binding_of(demo_database, attacker) is None


async def test_forged_contact_metadata_through_rasa_with_a_valid_token_binds_nothing(
    rasa: RasaProcess, demo_database: str
) -> None:
    sender = f"telegram:{uuid.uuid4().int % 10**9}"
    await consented(demo_database, sender)
    async with aiohttp.ClientSession() as http:
        client = RasaClient(http, rasa.url, RASA_TOKEN, 30)
        await client.turn(sender, "/share_contact", f"{sender}:1", FORGED_CONTACT)
        appeals = await client.turn(sender, "/my_appeals", f"{sender}:2", {})
    assert await binding_of(demo_database, sender) is None
    assert "1234567890" not in "\n".join(str(m.get("text")) for m in appeals.messages)


async def test_the_apps_signed_share_through_rasa_binds_and_shows_the_appeals(
    rasa: RasaProcess, demo_database: str
) -> None:
    """The positive control: the path the forgeries take does bind when the app vouches."""
    chat = str(uuid.uuid4().int % 10**9)
    sender = f"telegram:{chat}"
    signer = FactSigner(FACTS_SIGNING_KEY.encode(), clock=time.time)

    def facts(message_id: str, contact: dict[str, Any] | None = None) -> dict[str, Any]:
        return signer.sign(TurnFacts(sender, "telegram", chat, chat, message_id, contact))

    async with aiohttp.ClientSession() as http:
        client = RasaClient(http, rasa.url, RASA_TOKEN, 30)
        agree = f"{sender}:0"  # privacy: «Согласен» comes before the phone share
        await client.turn(sender, "/consent_agree", agree, facts(agree))
        share = f"{sender}:1"
        await client.turn(sender, "/share_contact", share, facts(share, FORGED_CONTACT["contact"]))
        listing = f"{sender}:2"
        appeals = await client.turn(sender, "/my_appeals", listing, facts(listing))
    assert await binding_of(demo_database, sender) is not None
    assert "1234567890" in "\n".join(str(m.get("text")) for m in appeals.messages)
