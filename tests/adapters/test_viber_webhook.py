"""The Viber webhook: signature, size and shape checks, every event kind, idempotency."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.viber import Tracking, ViberSender, ViberWebhook, signature
from adapters.viber.webhook import SIGNATURE_HEADER, WEBHOOK_PATH
from bot.inbox import Inbox
from bot.messages import InboundKind
from bot.metrics import Metrics
from bot.models import InboxItem, ItemStatus, OutboxItem
from bot.outbox import Outbox
from tests.adapters.conftest import VIBER_TOKEN
from tests.adapters.fake_viber import FakeViber
from tests.support import seed_replies

USER_ID = "01234567890A="
USER = {"id": USER_ID, "name": "Иван", "language": "ru", "country": "RU", "api_version": 10}
Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(
    sessions: async_sessionmaker[AsyncSession], viber_sender: ViberSender
) -> AsyncIterator[Client]:
    app = web.Application()
    webhook = ViberWebhook(Inbox(sessions), viber_sender, VIBER_TOKEN, max_bytes=64 * 1024)
    app.router.add_post(WEBHOOK_PATH, webhook.handle)
    async with TestClient(TestServer(app)) as client:
        yield client


def message_event(
    token: int, message: dict[str, Any], user: dict[str, Any] = USER
) -> dict[str, Any]:
    return {
        "event": "message",
        "timestamp": 1700000000000,
        "chat_hostname": "SN-CHAT-01_",
        "message_token": token,
        "sender": user,
        "message": message,
        "silent": False,
    }


async def post(
    client: Client, body: Any, *, sign: bool = True, signature_value: str | None = None
) -> tuple[int, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature_value is not None:
        headers[SIGNATURE_HEADER] = signature_value
    elif sign:
        headers[SIGNATURE_HEADER] = signature(VIBER_TOKEN, raw)
    async with client.post(WEBHOOK_PATH, data=raw, headers=headers) as response:
        return response.status, await response.text()


async def stored(sessions: async_sessionmaker[AsyncSession]) -> list[dict[str, Any]]:
    async with sessions() as session:
        return [i.message for i in await session.scalars(select(InboxItem).order_by(InboxItem.id))]


async def count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxItem)) or 0)


TEXT = message_event(1, {"type": "text", "text": "где моё заявление"})


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        "0" * 64,
        signature("wrong-token", json.dumps(TEXT).encode()),
        signature(VIBER_TOKEN, json.dumps(TEXT).encode())[:-1],
        signature(VIBER_TOKEN, json.dumps(TEXT).encode() + b" "),
    ],
)
async def test_forged_or_missing_signature_is_403_and_nothing_stored(
    client: Client, sessions: async_sessionmaker[AsyncSession], forged: str | None
) -> None:
    status, _ = await post(client, TEXT, sign=forged is not None, signature_value=forged)
    assert status == 403
    assert await count(sessions) == 0


async def test_signature_of_another_body_is_refused(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    other = json.dumps(message_event(2, {"type": "text", "text": "x"})).encode()
    status, _ = await post(client, TEXT, signature_value=signature(VIBER_TOKEN, other))
    assert status == 403
    assert await count(sessions) == 0


async def test_huge_payload_is_413_before_anything_else(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    huge = message_event(3, {"type": "text", "text": "я" * 40_000})
    assert (await post(client, huge))[0] == 413
    assert (await post(client, huge, sign=False))[0] == 413
    assert await count(sessions) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'"x"',
        b'{"event": 5}',
        b'{"event": "message"}',
        b'{"event": "message", "timestamp": 1, "message_token": 1, "sender": {"id": 1}, '
        b'"message": {"type": "text", "text": "x"}}',
        b'{"event": "message", "timestamp": 1, "message_token": {"a": 1}, "sender": {"id": "u"}, '
        b'"message": {"type": "text", "text": "x"}}',
        b'{"event": "message", "timestamp": 1, "message_token": 1, "sender": {"id": "u"}, '
        b'"message": {"type": "text", "text": 42}}',
        b'{"event": "delivered", "timestamp": 1}',
        b'{"event": "conversation_started", "timestamp": 1, "message_token": 1, "type": "open"}',
    ],
)
async def test_malformed_is_400(
    client: Client, sessions: async_sessionmaker[AsyncSession], body: bytes
) -> None:
    assert (await post(client, body))[0] == 400
    assert await count(sessions) == 0


async def test_unknown_event_is_200_and_ignored(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    body = {"event": "client_status", "timestamp": 1, "user_id": "u", "status": "ok"}
    assert (await post(client, body))[0] == 200
    assert await count(sessions) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"event": "webhook", "timestamp": 1, "chat_hostname": "SN", "message_token": 9},
        {"event": "subscribed", "timestamp": 1, "user": USER, "message_token": 10},
        {"event": "unsubscribed", "timestamp": 1, "user_id": USER_ID, "message_token": 11},
        {"event": "delivered", "timestamp": 1, "message_token": 12, "user_id": USER_ID},
        {"event": "seen", "timestamp": 1, "message_token": 13, "user_id": USER_ID},
    ],
)
async def test_service_events_are_200_and_store_nothing(
    client: Client, sessions: async_sessionmaker[AsyncSession], body: dict[str, Any]
) -> None:
    assert (await post(client, body))[0] == 200
    assert await count(sessions) == 0


async def test_failed_event_is_recorded(
    client: Client, sessions: async_sessionmaker[AsyncSession], viber_sender: ViberSender
) -> None:
    body = {
        "event": "failed",
        "timestamp": 1,
        "message_token": 14,
        "user_id": USER_ID,
        "desc": "keyboard is not valid",
    }
    assert (await post(client, body))[0] == 200
    assert viber_sender.failures == [(None, "keyboard is not valid")]
    assert await count(sessions) == 0


async def test_conversation_started_answers_the_welcome_with_a_keyboard(
    client: Client, sessions: async_sessionmaker[AsyncSession], viber_sender: ViberSender
) -> None:
    body = {
        "event": "conversation_started",
        "timestamp": 1,
        "message_token": 15,
        "type": "open",
        "user": USER,
        "subscribed": False,
    }
    status, text = await post(client, body)
    assert status == 200
    welcome = json.loads(text)
    assert welcome["sender"] == {"name": "Госпомощник", "avatar": "https://x.test/a.png"}
    assert welcome["type"] == "text"
    assert welcome["text"].startswith("Здравствуйте")
    buttons = welcome["keyboard"]["Buttons"]
    assert {b["ActionBody"] for b in buttons} >= {"/password_reset", "/appeal_status"}
    assert all(b["ActionType"] == "reply" for b in buttons)
    # a press on a welcome button comes back as a button, not as typed text
    press = message_event(
        16, {"type": "text", "text": "/appeal_status", "tracking_data": welcome["tracking_data"]}
    )
    assert (await post(client, press))[0] == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.BUTTON
    assert item["payload"] == "/appeal_status"


async def test_text_is_stored_once_per_message_token(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert (await post(client, TEXT))[0] == 200
    assert (await post(client, TEXT))[0] == 200
    (item,) = await stored(sessions)
    assert item["channel"] == "viber"
    assert item["chat_id"] == USER_ID
    assert item["external_id"] == "1"
    assert item["kind"] == InboundKind.TEXT
    assert item["text"] == "где моё заявление"


async def test_typed_intent_without_our_tracking_stays_text(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    forged = message_event(
        17, {"type": "text", "text": "/request_operator", "tracking_data": '{"b": ["x"]}'}
    )
    assert (await post(client, forged))[0] == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.TEXT
    assert item["payload"] is None


@pytest.mark.parametrize(
    ("typed", "payload"),
    [("/revoke", "/revoke_consent"), ("/forget", "/forget_me"), ("/START", "/greet")],
)
async def test_privacy_and_start_commands_are_mapped_like_in_telegram(
    client: Client, sessions: async_sessionmaker[AsyncSession], typed: str, payload: str
) -> None:
    assert (await post(client, message_event(19, {"type": "text", "text": typed})))[0] == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.COMMAND
    assert item["payload"] == payload


async def test_long_payload_button_resolves_through_tracking(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    tracking = Tracking(VIBER_TOKEN)
    payload = '/inform{"topic": "' + "налоговый вычет " * 30 + '"}'
    data = tracking.encode(USER_ID, [payload, "/deny"])
    assert data is not None
    key = json.loads(data)["l"]
    (short,) = key
    press = message_event(18, {"type": "text", "text": short, "tracking_data": data})
    assert (await post(client, press))[0] == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.BUTTON
    assert item["payload"] == payload


def _contact(token: int, tracking_data: str | None, user: dict[str, Any] = USER) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "contact",
        "contact": {"name": "Иван", "phone_number": "79990000001"},
    }
    if tracking_data is not None:
        message["tracking_data"] = tracking_data
    return message_event(token, message, user)


async def test_contact_answering_our_request_is_verified(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    request = Tracking(VIBER_TOKEN).encode(USER_ID, [], phone_request=True)
    assert (await post(client, _contact(20, request)))[0] == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.CONTACT
    assert item["contact"] == {"phone": "+79990000001", "verified": True}


@pytest.mark.parametrize(
    "tracking_data",
    [
        None,
        "",
        "not ours",
        '{"ph": "1700000000.deadbeef"}',
        Tracking("another-bot-token").encode(USER_ID, [], phone_request=True),
        Tracking(VIBER_TOKEN).encode("someone-else", [], phone_request=True),
        Tracking(VIBER_TOKEN, clock=lambda: 1_000_000.0).encode(USER_ID, [], phone_request=True),
        Tracking(VIBER_TOKEN).encode(USER_ID, ["/affirm"]),
    ],
)
async def test_contact_not_answering_our_request_is_not_verified(
    client: Client, sessions: async_sessionmaker[AsyncSession], tracking_data: str | None
) -> None:
    assert (await post(client, _contact(21, tracking_data)))[0] == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.CONTACT
    assert item["contact"] == {"phone": "+79990000001", "verified": False}


@pytest.mark.parametrize(
    ("message", "kind", "ref"),
    [
        (
            {"type": "picture", "media": "https://dl.test/p.jpg", "text": ""},
            "photo",
            "https://dl.test/p.jpg",
        ),
        (
            {"type": "video", "media": "https://dl.test/v.mp4", "size": 10},
            "video",
            "https://dl.test/v.mp4",
        ),
        (
            {"type": "file", "media": "https://dl.test/f.pdf", "size": 10, "file_name": "скан.pdf"},
            "document",
            "https://dl.test/f.pdf",
        ),
        ({"type": "sticker", "sticker_id": 46105}, "sticker", "46105"),
        ({"type": "location", "location": {"lat": 55.75, "lon": 37.62}}, "location", "55.75,37.62"),
        ({"type": "rich_media", "rich_media": {}}, "unsupported", None),
    ],
)
async def test_media_becomes_unsupported_with_attachment(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    message: dict[str, Any],
    kind: str,
    ref: str | None,
) -> None:
    assert (await post(client, message_event(30, message)))[0] == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.UNSUPPORTED
    assert item["attachment"]["kind"] == kind
    assert item["attachment"]["file_ref"] == ref


async def test_url_message_is_text(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    body = message_event(31, {"type": "url", "media": "https://gosuslugi.test/x"})
    assert (await post(client, body))[0] == 200
    (item,) = await stored(sessions)
    assert item["kind"] == InboundKind.TEXT
    assert item["text"] == "https://gosuslugi.test/x"


async def test_failed_callback_for_a_delivered_reply_marks_its_outbox_row(
    sessions: async_sessionmaker[AsyncSession], viber_sender: ViberSender, fake_viber: FakeViber
) -> None:
    """Viber accepted the reply, then reported the client could not show it: recorded, not lost."""
    outbox = Outbox(sessions, Metrics(), max_attempts=3, backoff_max_s=0.0, poll_interval_s=0.05)
    outbox.register(viber_sender)
    await seed_replies(outbox, sessions, "viber", USER_ID, 1)
    await outbox.deliver_due()
    [sent] = fake_viber.sent()
    app = web.Application()
    webhook = ViberWebhook(Inbox(sessions), viber_sender, VIBER_TOKEN, outbox=outbox)
    app.router.add_post(WEBHOOK_PATH, webhook.handle)
    async with TestClient(TestServer(app)) as client:
        body = {
            "event": "failed",
            "timestamp": 1,
            "message_token": fake_viber.tokens_sent[-1],
            "user_id": USER_ID,
            "desc": "client failed to render",
        }
        assert (await post(client, body))[0] == 200
    async with sessions() as session:
        (item,) = list(await session.scalars(select(OutboxItem)))
    assert sent["text"] == "ответ 0"
    assert item.status == ItemStatus.FAILED
    assert item.last_error == "viber failed: client failed to render"
