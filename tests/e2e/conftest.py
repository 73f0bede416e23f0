"""Real services for end-to-end tests: a migrated, demo-filled database, the action server, Rasa.

They start once per test session (Rasa's model load dominates) and write their logs into one
folder, which `test_logs_hold_no_personal_data` scans at the end.
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.settings import Settings
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
