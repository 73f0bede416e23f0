"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and the real services."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import bot.models  # noqa: F401 - registers the app's tables
from bot.storage import Base, create_engine, create_session_factory
from tests.support import (
    TEST_SECRETS,
    create_postgres_database,
    drop_postgres_database,
)


def pytest_configure(config: pytest.Config) -> None:
    """The test secrets for every Settings() and process of the run, whatever `.env` says."""
    os.environ.update(TEST_SECRETS)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind the product supports."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    name = await create_postgres_database()
    yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    await drop_postgres_database(name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database with every table created."""
    import actions.store.models  # noqa: F401, PLC0415 - the ticket store's tables too
    import bot.retention.models  # noqa: F401, PLC0415 - erasure requests, job leases
    import handoff.models  # noqa: F401, PLC0415 - and the handoff module's
    import review.models  # noqa: F401, PLC0415 - and the review queue

    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory the product code takes."""
    return create_session_factory(engine)
