"""SIGTERM to a real `python -m bot` while a turn is in flight: drain, answer once, then stop."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.inbox import Inbox
from bot.messages import InboundMessage
from bot.models import Conversation, InboxItem, ItemStatus, OutboxItem
from tests.bot.test_router_resilience import RasaStandIn, serve_stand_in
from tests.support import ROOT, free_port, wait_http


@pytest.fixture
async def slow_rasa() -> AsyncIterator[tuple[RasaStandIn, str]]:
    stand_in = RasaStandIn("slow")
    stand_in.delay_s = 2.0
    server = await serve_stand_in(stand_in)
    yield stand_in, str(server.make_url("")).rstrip("/")
    await server.close()


def _start_app(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`python -m bot`, as `make run` starts it."""
    with log_path.open("wb") as log_file:
        return subprocess.Popen(
            [str(ROOT / ".venv/bin/python"), "-m", "bot"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


async def _wait(predicate: object, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_sigterm_during_a_turn_drains_answers_once_and_sends_no_busy_notice(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    slow_rasa: tuple[RasaStandIn, str],
    tmp_path: Path,
) -> None:
    """Regression: SIGTERM while a turn was in flight closed the HTTP session under it and the
    citizen got a false «ассистент сейчас перегружен»; `/readyz` never showed draining."""
    rasa, rasa_url = slow_rasa
    port = free_port()
    log_path = tmp_path / "app.log"
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        RASA_URL=rasa_url,
        ACTION_SERVER_URL=rasa_url,
        APP_HOST="127.0.0.1",
        APP_PORT=str(port),
        ROUTER_POLL_INTERVAL_S="0.1",
        INSTANCE_NAME="app-sigterm",
    )
    env.pop("REDIS_URL", None)
    app = _start_app(env, log_path)
    try:
        await asyncio.to_thread(wait_http, f"http://127.0.0.1:{port}/readyz", 60, app)
        await Inbox(sessions).accept(
            InboundMessage(
                channel="telegram", chat_id="42", user_id="42", external_id="1", text="привет"
            )
        )
        await _wait(lambda: rasa.turns, 15)  # the turn is in flight (Rasa takes 2 s)
        app.send_signal(signal.SIGTERM)
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/readyz") as response,
        ):
            assert response.status == 503
            assert (await response.json())["draining"] is True
        returncode = await asyncio.to_thread(app.wait, 30)
    finally:
        if app.poll() is None:
            app.kill()
    assert returncode == 0
    async with sessions() as session:
        replies = list(await session.scalars(select(OutboxItem.message)))
        item = await session.scalar(select(InboxItem))
        conversation = await session.get(Conversation, "telegram:42")
    assert [reply["text"] for reply in replies] == ["ответ: привет"]  # once, no busy notice
    assert item is not None
    assert item.status == ItemStatus.DONE
    assert conversation is not None
    assert conversation.lease_owner is None  # handed back
    log = log_path.read_text(errors="replace")
    assert "Session is closed" not in log
    assert "Traceback" not in log
