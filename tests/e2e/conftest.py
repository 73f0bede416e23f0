"""Real services for end-to-end tests: a migrated, demo-filled database, the action server, Rasa.

They start once per test session (Rasa's model load dominates) and write their logs into one
folder, which `test_logs_hold_no_personal_data` scans at the end.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import delete

import publishing.models  # noqa: F401 - the registry's tables
from bot.app import create_app
from bot.settings import Settings
from bot.storage import create_engine, create_session_factory, session_scope
from publishing.models import ServingChoice, TrainedModel
from publishing.service import Publisher
from publishing.settings import PublishSettings
from tests.support import RASA_TOKEN, ROOT, RasaProcess, action_server


@pytest.fixture(scope="session")
def services_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every spawned process logs into."""
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database migrated with Alembic and filled by the demo-data generator."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'e2e.db'}"
    env = {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    python = str(ROOT / ".venv/bin/python")
    subprocess.run([python, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "-m", "actions.demo", "--if-empty"], cwd=ROOT, env=env, check=True)
    return url


@pytest.fixture(scope="session")
def actions_url(demo_database: str, services_logs: Path) -> Iterator[str]:
    """The real action server on the demo database."""
    with action_server(demo_database, services_logs / "actions.log") as url:
        yield url


@pytest.fixture(scope="session")
def rasa(
    actions_url: str, services_logs: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RasaProcess]:
    """The real Rasa server with the trained model."""
    process = RasaProcess(tmp_path_factory.mktemp("rasa"), actions_url, services_logs / "rasa.log")
    process.start()
    yield process
    process.kill()


@pytest.fixture
async def app_server(
    rasa: RasaProcess, demo_database: str, actions_url: str
) -> AsyncIterator[TestServer]:
    """The app, with its router and outbox workers, on a loopback port."""
    settings = Settings(
        database_url=demo_database,
        rasa_url=rasa.url,
        action_server_url=actions_url,
        rasa_token=RASA_TOKEN,
        router_poll_interval_s=0.2,
        retry_backoff_max_s=1.0,
        rasa_timeout_s=20,
    )
    server = TestServer(await create_app(settings), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def publisher(
    demo_database: str, actions_url: str, services_logs: Path, tmp_path: Path
) -> AsyncIterator[Publisher]:
    """A publisher on the demo database; its Rasa processes share one tracker store.

    The demo database serves the other end-to-end tests too, which must keep talking to their
    own Rasa: the registry and the serving choice this test made are removed afterwards (an app
    follows the serving choice, and the Rasa it names is stopped by then)."""
    endpoints = RasaProcess(tmp_path, actions_url, services_logs / "unused.log").endpoints
    settings = PublishSettings(
        _env_file=None,
        models_dir=tmp_path,
        rasa_bin=ROOT / ".venv-rasa/bin/rasa",
        endpoints=endpoints,
        credentials=ROOT / "credentials.yml",
        drain_s=3.0,
    )
    engine = create_engine(demo_database)
    async with aiohttp.ClientSession() as http:
        sessions = create_session_factory(engine)
        yield Publisher(sessions, settings, http, RASA_TOKEN)
    async with session_scope(sessions) as session:
        for table in (ServingChoice, TrainedModel):
            await session.execute(delete(table))
    await engine.dispose()
