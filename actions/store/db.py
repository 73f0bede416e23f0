"""The action server's database sessions, created lazily on first use, once per process."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import load_settings
from bot.storage import create_engine, create_session_factory

_factory: async_sessionmaker[AsyncSession] | None = None


def default_session_factory() -> async_sessionmaker[AsyncSession]:
    """The process-wide session factory for `DATABASE_URL`; no I/O until the first session."""
    global _factory  # noqa: PLW0603 - one engine per process, made on first use
    if _factory is None:
        _factory = create_session_factory(create_engine(load_settings().database_url))
    return _factory
