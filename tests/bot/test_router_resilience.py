"""The router under faults: slow turns, dead instances, several Rasa servers, failed actions.

The Rasa servers here speak `rasa_server.channel.AppInput`'s protocol (its 503 bodies included)
so a test can make one slow, stop it, or have its custom actions fail, precisely;
tests/e2e/test_faults.py does the same with real Rasa processes and the real action server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.facts import FactSigner
from bot.inbox import Inbox
from bot.messages import InboundMessage
from bot.metrics import Metrics
from bot.models import Conversation, InboxItem, ItemStatus, OutboxItem
from bot.outbox import Outbox
from bot.rasa_client import RasaClient
from bot.router import Router
from bot.storage import session_scope, utcnow
from bot.texts import text


class RasaStandIn:
    """One Rasa server: `mode` is "up", "down" (503, no model) or "actions_down"."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.mode = "up"
        self.delay_s = 0.0
        self.turns: list[dict[str, Any]] = []

    async def status(self, _: web.Request) -> web.Response:
        if self.mode == "down":
            return web.json_response({"error": "loading"}, status=503)
        return web.json_response({"model_file": "model.tar.gz"})

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.mode == "down":
            return web.json_response({"unavailable": "model"}, status=503)
        if self.mode == "actions_down":
            self.turns.append({**body, "failed": True})
            return web.json_response(
                {"error": "custom action could not run", "unavailable": "action_server"},
                status=503,
            )
        self.turns.append(body)
        await asyncio.sleep(self.delay_s)
        return web.json_response(
            {
                "messages": [{"recipient_id": body["sender"], "text": f"ответ: {body['message']}"}],
                "intent": {"name": "greet", "confidence": 0.9},
            }
        )


async def _health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})  # the action server's /health


async def serve_stand_in(stand_in: RasaStandIn) -> TestServer:
    """A loopback server speaking Rasa's app channel (and the action server's /health)."""
    app = web.Application()
    app.router.add_post("/webhooks/app/webhook", stand_in.webhook)
    app.router.add_get("/status", stand_in.status)
    app.router.add_get("/health", _health)
    server = TestServer(app)
    await server.start_server()
    return server


@pytest.fixture
async def two_rasas() -> AsyncIterator[list[tuple[RasaStandIn, str]]]:
    stand_ins = [RasaStandIn("a"), RasaStandIn("b")]
    servers = [await serve_stand_in(s) for s in stand_ins]
    urls = [str(server.make_url("")).rstrip("/") for server in servers]
    yield list(zip(stand_ins, urls, strict=True))
    for server in servers:
        await server.close()


def _router(
    sessions: async_sessionmaker[AsyncSession],
    rasa: RasaClient,
    *,
    instance: str = "app-1",
    lease_s: float = 1.5,
    backoff_max_s: float = 0.5,
) -> tuple[Inbox, Router]:
    inbox = Inbox(sessions)
    outbox = Outbox(sessions, Metrics(), max_attempts=3, backoff_max_s=0, poll_interval_s=0.1)
    router = Router(
        sessions,
        inbox,
        outbox,
        rasa,
        Metrics(),
        instance=instance,
        lease_s=lease_s,
        poll_interval_s=0.1,
        backoff_max_s=backoff_max_s,
        max_text_chars=4000,
        facts=FactSigner(b"test-facts-key"),
    )
    return inbox, router


def _msg(chat: str, n: int) -> InboundMessage:
    return InboundMessage(
        channel="telegram",
        chat_id=chat,
        user_id=chat,
        external_id=f"{chat}-{n}",
        text=f"вопрос {n}",
    )


async def _replies(sessions: async_sessionmaker[AsyncSession], chat: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxItem)
            .where(OutboxItem.conversation_id == f"telegram:{chat}")
            .order_by(OutboxItem.id)
        )
        return [str(row.message.get("text")) for row in rows]


async def _wait_for(predicate: Any, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_a_slow_turn_keeps_its_short_lease_so_no_other_instance_runs_it_twice(
    sessions: async_sessionmaker[AsyncSession], two_rasas: list[tuple[RasaStandIn, str]]
) -> None:
    """The lease is 1.5 s, the turn takes 4 s: the heartbeat keeps the second instance out."""
    (rasa, url), _ = two_rasas
    rasa.delay_s = 4.0
    async with aiohttp.ClientSession() as http:
        inbox, first = _router(sessions, RasaClient(http, url, "t", 10), instance="app-1")
        _, second = _router(sessions, RasaClient(http, url, "t", 10), instance="app-2")
        await inbox.accept(_msg("7", 1))
        runs = [asyncio.create_task(r.run_forever()) for r in (first, second)]
        await _wait_for(lambda: _answered(sessions, "7"), 10)
        for router in (first, second):
            await router.shutdown(5)
        await asyncio.gather(*runs)
    assert [t["message_id"] for t in rasa.turns] == ["telegram:7-1"]
    assert await _replies(sessions, "7") == ["ответ: вопрос 1"]


async def _answered(sessions: async_sessionmaker[AsyncSession], chat: str) -> bool:
    return bool(await _replies(sessions, chat))


async def test_a_dead_instances_lease_is_taken_over_within_seconds(
    sessions: async_sessionmaker[AsyncSession], two_rasas: list[tuple[RasaStandIn, str]]
) -> None:
    """An instance killed right after leasing a chat never renews it: another takes the chat as
    soon as the short lease runs out, not after a minute."""
    (_, url), _ = two_rasas
    async with aiohttp.ClientSession() as http:
        inbox, survivor = _router(sessions, RasaClient(http, url, "t", 5), instance="app-2")
        await inbox.accept(_msg("8", 1))
        async with session_scope(sessions) as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == "telegram:8")
                .values(lease_owner="app-1", lease_until=utcnow() + timedelta(seconds=1.5))
            )
        started = time.monotonic()
        run = asyncio.create_task(survivor.run_forever())
        await _wait_for(lambda: _answered(sessions, "8"), 10)
        taken_after = time.monotonic() - started
        await survivor.shutdown(5)
        await run
    assert 1.0 <= taken_after <= 4.0, taken_after  # waited for the lease, then took it at once
    assert await _replies(sessions, "8") == ["ответ: вопрос 1"]


async def test_shutdown_finishes_the_turn_in_flight_and_hands_back_the_leases(
    sessions: async_sessionmaker[AsyncSession], two_rasas: list[tuple[RasaStandIn, str]]
) -> None:
    (rasa, url), _ = two_rasas
    rasa.delay_s = 1.0
    async with aiohttp.ClientSession() as http:
        inbox, router = _router(sessions, RasaClient(http, url, "t", 5))
        await inbox.accept(_msg("9", 1))
        run = asyncio.create_task(router.run_forever())
        await _wait_for(lambda: _got_turns(rasa, 1), 5)
        await inbox.accept(_msg("9", 2))  # arrives while draining: left for another instance
        await router.shutdown(5)
        await run
    assert await _replies(sessions, "9") == ["ответ: вопрос 1"]  # answered once, no busy notice
    async with sessions() as session:
        conversation = await session.get(Conversation, "telegram:9")
        assert conversation is not None
        assert conversation.lease_owner is None
        pending = await session.scalars(
            select(InboxItem.external_id).where(InboxItem.status == ItemStatus.PENDING)
        )
        assert list(pending) == ["9-2"]


async def _got_turns(rasa: RasaStandIn, count: int) -> bool:
    return len(rasa.turns) >= count


async def test_turns_spread_over_rasa_instances_and_one_that_stops_is_taken_out_and_back(
    sessions: async_sessionmaker[AsyncSession], two_rasas: list[tuple[RasaStandIn, str]]
) -> None:
    (a, url_a), (b, url_b) = two_rasas
    async with aiohttp.ClientSession() as http:
        client = RasaClient(http, [url_a, url_b], "t", 5)
        inbox, router = _router(sessions, client)
        for chat in range(6):
            await inbox.accept(_msg(str(chat), 1))
        await router.drain()
        assert len(a.turns) == len(b.turns) == 3  # round robin over both
        b.mode = "down"
        for chat in range(6):
            await inbox.accept(_msg(str(chat), 2))
        await router.drain()
        assert [i.up for i in client.instances] == [True, False]
        assert len(b.turns) == 3  # nothing more reached the stopped instance
        for chat in range(6):  # every turn answered by the other one, in order, no busy notice
            assert await _replies(sessions, str(chat)) == ["ответ: вопрос 1", "ответ: вопрос 2"]
        b.mode = "up"
        monitor = asyncio.create_task(client.monitor_forever(0.1))
        await _wait_for(lambda: _all_up(client), 3)
        monitor.cancel()
        for chat in range(6):
            await inbox.accept(_msg(str(chat), 3))
        await router.drain()
        assert len(b.turns) == 6  # back in the rotation
    assert text("assistant_busy") not in str([await _replies(sessions, str(c)) for c in range(6)])


async def _all_up(client: RasaClient) -> bool:
    return all(instance.up for instance in client.instances)


async def test_a_turn_whose_action_could_not_run_gets_one_busy_notice_then_its_answer(
    sessions: async_sessionmaker[AsyncSession], two_rasas: list[tuple[RasaStandIn, str]]
) -> None:
    """Rasa answers but the action server does not: the turn waits (backoff, not a tight loop),
    the citizen is told once, and the answer comes when the action runs again."""
    (rasa, url), _ = two_rasas
    rasa.mode = "actions_down"
    async with aiohttp.ClientSession() as http:
        client = RasaClient(http, url, "t", 5)
        inbox, router = _router(sessions, client, backoff_max_s=0.5)
        await inbox.accept(_msg("5", 1))
        run = asyncio.create_task(router.run_forever())
        await asyncio.sleep(1.5)
        assert client.instances[0].up  # the instance is fine: not taken out
        assert await _replies(sessions, "5") == [text("assistant_busy")]
        failed = len(rasa.turns)
        rasa.mode = "up"
        await _wait_for(lambda: _count_replies(sessions, "5", 2), 5)
        await router.shutdown(5)
        await run
    assert 2 <= failed <= 5, failed  # retried with backoff, never in a tight loop
    assert await _replies(sessions, "5") == [text("assistant_busy"), "ответ: вопрос 1"]


async def _count_replies(sessions: async_sessionmaker[AsyncSession], chat: str, n: int) -> bool:
    return len(await _replies(sessions, chat)) >= n
