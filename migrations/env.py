"""Alembic environment: migrates the database of `DATABASE_URL` (async engine)."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

import actions.store.models  # noqa: F401 - the ticket store's tables
import bot.models
import bot.retention.models  # noqa: F401 - erasure requests and job leases
import handoff.models  # noqa: F401 - the handoff module's tables
import publishing.models  # noqa: F401 - the model registry
import review.models  # noqa: F401 - the review queue and accepted training examples
from bot.settings import load_settings
from bot.storage import Base, create_engine

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def _database_url() -> str:
    return str(config.attributes.get("database_url") or load_settings().database_url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_database_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async())
