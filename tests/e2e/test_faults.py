"""Faults end to end, with production's shape: two real Rasa processes on one model, sharing a
PostgreSQL tracker store (`rasa_server.tracker_store.StrictSQLTrackerStore`) and a Redis lock store,
the real action server (killed and restarted here), and the app spreading turns over both.

A citizen whose turn needs a custom action while the action server (or the tracker database)
is down is told once that the assistant is busy and gets the real answer when it is back;
nothing is lost, nothing is answered twice, Rasa's saved history holds the turn once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from actions import demo
from actions.store.models import Citizen
from actions.store.queries import bind_chat
from bot.app import create_app
from bot.keys import RASA
from bot.models import OutboxItem
from bot.settings import Settings
from bot.storage import create_engine, create_session_factory, session_scope, utcnow
from bot.texts import text
from tests.e2e.webchat_client import is_bot, open_chat, read_until, say
from tests.support import (
    ACTION_SERVER_TOKEN,
    PG_ADMIN_DSN,
    RASA_TOKEN,
    ROOT,
    TEST_SECRETS,
    RasaProcess,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    unique_name,
    wait_http,
)

pytestmark = [pytest.mark.rasa, pytest.mark.postgres, pytest.mark.timeout(900)]
BUSY = text("assistant_busy")


class ActionServer:
    """The real action server on a fixed port, so it can be killed and started again."""

    def __init__(self, database_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._database_url = database_url
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until `/health` answers."""
        env = dict(
            os.environ, **TEST_SECRETS, PYTHONPATH=str(ROOT), DATABASE_URL=self._database_url
        )
        with self._log_path.open("ab") as log_file:
            self._process = subprocess.Popen(
                [str(ROOT / ".venv/bin/python"), "-m", "actions.server", "--port", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Sanic serves from a child process: kill the group
            )
        wait_http(f"{self.url}/health", 60, self._process)

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash would."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(15)


def _production_endpoints(action_url: str, tracker_db: str, lock_prefix: str) -> str:
    """endpoints.production.yml with this test's values."""
    return (
        f'action_endpoint:\n  url: "{action_url}/webhook"\n  token: "{ACTION_SERVER_TOKEN}"\n'
        "tracker_store:\n  type: rasa_server.tracker_store.StrictSQLTrackerStore\n"
        "  dialect: postgresql\n  url: 127.0.0.1\n  port: 5432\n"
        f"  db: {tracker_db}\n  username: postgres\n  connect_timeout_s: 30\n"
        "lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: 6379\n"
        f"  key_prefix: {lock_prefix}\n"
    )


@pytest.fixture(scope="module")
def tracker_db() -> Iterator[str]:
    """A PostgreSQL database for Rasa's tracker store."""
    name = asyncio.run(create_postgres_database())
    yield name
    asyncio.run(drop_postgres_database(name))


@pytest.fixture(scope="module")
def actions(demo_database: str, services_logs: Path) -> Iterator[ActionServer]:
    """A killable action server on the demo database."""
    server = ActionServer(demo_database, services_logs / "faults-actions.log")
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def rasa_pair(
    actions: ActionServer,
    tracker_db: str,
    services_logs: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[RasaProcess]]:
    """Two Rasa processes, one model, one tracker store, one lock store."""
    prefix = unique_name("lock")
    pair = []
    for name in ("a", "b"):
        process = RasaProcess(
            tmp_path_factory.mktemp(f"rasa-{name}"),
            actions.url,
            services_logs / f"faults-rasa-{name}.log",
        )
        process.endpoints.write_text(
            _production_endpoints(actions.url, tracker_db, prefix), encoding="utf-8"
        )
        process.start(wait=False)
        pair.append(process)
    for process in pair:
        process.wait_ready()
    yield pair
    for process in pair:
        process.kill()


@pytest.fixture
async def app_server(
    rasa_pair: list[RasaProcess], actions: ActionServer, demo_database: str
) -> AsyncIterator[TestServer]:
    """The app spreading turns over both Rasa instances."""
    settings = Settings(
        database_url=demo_database,
        rasa_urls=",".join(process.url for process in rasa_pair),
        action_server_url=actions.url,
        rasa_token=RASA_TOKEN,
        router_poll_interval_s=0.2,
        retry_backoff_max_s=2.0,
        rasa_timeout_s=20,
        rasa_health_interval_s=0.5,
    )
    server = TestServer(await create_app(settings), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def _bind(database_url: str, chat: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            citizen = await session.scalar(
                select(Citizen).where(Citizen.phone == demo.DEMO_CITIZEN_PHONE)
            )
            assert citizen is not None
            await bind_chat(session, f"webchat:{chat}", citizen, "test", utcnow())
    finally:
        await engine.dispose()


async def _bot_lines(database_url: str, chat: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.scalars(
                select(OutboxItem)
                .where(OutboxItem.conversation_id == f"webchat:{chat}")
                .order_by(OutboxItem.id)
            )
            return [str(row.message.get("text")) for row in rows]
    finally:
        await engine.dispose()


async def _user_turns(rasa: RasaProcess, chat: str) -> list[str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{rasa.url}/conversations/webchat:{chat}/tracker", params={"token": RASA_TOKEN}
        ) as response,
    ):
        tracker: dict[str, Any] = await response.json()
    return [str(e.get("text")) for e in tracker["events"] if e["event"] == "user"]


async def _readyz(server: TestServer) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(server.make_url("/readyz")) as response:
        body: dict[str, Any] = await response.json()
        body["status"] = response.status
        return body


async def test_a_turn_whose_action_server_is_down_is_answered_once_it_is_back(
    app_server: TestServer, actions: ActionServer, rasa_pair: list[RasaProcess], demo_database: str
) -> None:
    """Regression: Rasa logged «Failed to run custom action … the actions events are lost» and
    the app marked the citizen's message done with no reply."""
    question = f"какой статус у заявления {demo.APPEAL_IN_PROGRESS}"
    async with aiohttp.ClientSession() as http:
        socket, chat = await open_chat(http, app_server)
        await _bind(demo_database, chat)
        actions.kill()
        busy = await say(socket, question)
        assert busy["text"] == BUSY
        ready = await _readyz(app_server)
        assert (ready["status"], ready["actions"], ready["rasa"]) == (503, False, True)
        await asyncio.to_thread(actions.start)
        answer = await read_until(socket, is_bot, wait_s=120)
        await socket.close()
    assert f"№ {demo.APPEAL_IN_PROGRESS}" in answer["text"]
    assert await _bot_lines(demo_database, chat) == [BUSY, answer["text"]]  # no silent turn
    for rasa in rasa_pair:  # one shared history, the turn in it once
        assert await _user_turns(rasa, chat) == [question]


async def test_a_tracker_database_outage_loses_no_turn_of_rasas_history(
    app_server: TestServer, rasa_pair: list[RasaProcess], tracker_db: str, demo_database: str
) -> None:
    """Regression: during a PostgreSQL restart Rasa kept turns in memory (FailSafeTrackerStore)
    and the saved histories missed them."""
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    async with aiohttp.ClientSession() as http:
        socket, chat = await open_chat(http, app_server)
        first = await say(socket, "привет")
        try:
            await admin.execute(f'ALTER DATABASE "{tracker_db}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                tracker_db,
            )
            busy = await say(socket, "как связаться с поддержкой")
            assert busy["text"] == BUSY
        finally:
            await admin.execute(f'ALTER DATABASE "{tracker_db}" ALLOW_CONNECTIONS true')
            await admin.close()
        answer = await read_until(socket, is_bot, wait_s=60)
        await socket.close()
    assert answer["text"] != BUSY
    lines = await _bot_lines(demo_database, chat)
    # the contacts answer may come in several messages (the hotline, then the operator offer)
    assert lines[:3] == [first["text"], BUSY, answer["text"]]
    assert lines.count(BUSY) == 1
    assert await _user_turns(rasa_pair[0], chat) == ["привет", "как связаться с поддержкой"]


async def test_turns_spread_over_two_rasas_and_one_killed_is_taken_out_and_put_back(
    app_server: TestServer, rasa_pair: list[RasaProcess]
) -> None:
    """Runs last in this module: it kills one Rasa and starts it again."""
    instances = app_server.app[RASA].instances
    async with aiohttp.ClientSession() as http:
        chats = [await open_chat(http, app_server) for _ in range(4)]
        for socket, _ in chats:
            assert (await say(socket, "привет"))["text"] != BUSY
        assert all(instance.answered >= 1 for instance in instances)  # both served turns
        rasa_pair[1].kill()
        for socket, _ in chats:  # nobody waits: the other instance answers at once
            assert (await say(socket, "спасибо"))["text"] != BUSY
        ready = await _readyz(app_server)
        assert ready["rasa_instances"] == {rasa_pair[0].url: True, rasa_pair[1].url: False}
        served_by_b = instances[1].answered
        rasa_pair[1].start(wait=False)
        deadline = time.monotonic() + 240  # the health monitor puts it back once it has a model
        while not instances[1].up:
            assert time.monotonic() < deadline, "the restarted instance was not put back"
            await asyncio.sleep(0.2)
        for socket, _ in chats:  # idle through Rasa's restart: the page would reconnect too
            await socket.close()
        for _ in range(4):
            socket, _ = await open_chat(http, app_server)
            assert (await say(socket, "привет"))["text"] != BUSY
            await socket.close()
    assert instances[1].answered > served_by_b  # back in the rotation
