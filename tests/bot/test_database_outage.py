"""A database blip on the real PostgreSQL: webhooks answer 503 (the channel re-sends), every
worker logs one WARNING, not a stream of ERRORs, and all recover by themselves."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

import actions.store.models  # noqa: F401 - the app's start-up reads every package's tables
import handoff.models  # noqa: F401
from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.app import create_app
from bot.settings import Settings
from bot.storage import Base, create_engine
from tests.adapters.test_telegram_polling import text_update
from tests.support import PG_ADMIN_DSN, create_postgres_database, drop_postgres_database, free_port

pytestmark = pytest.mark.postgres
SECRET = "outage-secret"
COMPONENTS = {"webhooks", "router", "outbox", "handoff", "status_notifier", "retention"}


@pytest.fixture
async def postgres_name() -> AsyncIterator[str]:
    name = await create_postgres_database()
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await engine.dispose()
    yield name
    await drop_postgres_database(name)


async def _set_allowed(name: str, allowed: bool) -> None:
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
    finally:
        await admin.close()


async def test_a_database_blip_answers_webhooks_503_and_logs_one_warning_per_component(
    postgres_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    settings = Settings(
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{postgres_name}",
        rasa_url=closed,
        action_server_url=closed,
        telegram_token="123456:" + "A" * 35,
        telegram_webhook_secret=SECRET,
        telegram_api_url=closed,
        router_poll_interval_s=0.1,
        status_poll_interval_s=0.1,
        handoff_tick_s=0.1,
    )
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with TestClient(TestServer(await create_app(settings))) as client:
        await asyncio.sleep(0.3)  # the workers made a pass on a healthy database
        caplog.clear()
        caplog.set_level(logging.INFO)
        await _set_allowed(postgres_name, False)
        try:
            for update_id in range(1, 6):
                body = json.dumps(text_update(update_id, "где заявление"))
                async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
                    assert response.status == 503
                    assert response.headers["Retry-After"]
            await asyncio.sleep(1.5)  # ~15 passes of every worker
        finally:
            await _set_allowed(postgres_name, True)
        body = json.dumps(text_update(1, "где заявление"))  # Telegram re-sends the update
        async with client.post(WEBHOOK_PATH, data=body, headers=headers) as response:
            assert response.status == 200
        await asyncio.sleep(0.5)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    warned = [
        str(getattr(r, "component", "")) for r in caplog.records if r.msg == "database unavailable"
    ]
    assert sorted(warned) == sorted(COMPONENTS)  # once each, however many passes failed
    recovered = {
        getattr(r, "component", None) for r in caplog.records if r.msg == "database available again"
    }
    assert {"webhooks", "router", "outbox"} <= recovered
