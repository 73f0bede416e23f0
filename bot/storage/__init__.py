"""Database access shared by the packages: the declarative base, engine and session factory.

Each package (bot, actions, handoff) declares its own tables on `Base`; Alembic migrates them all.
"""

from bot.storage.base import Base, utcnow
from bot.storage.engine import create_engine, create_session_factory, session_scope

__all__ = ["Base", "create_engine", "create_session_factory", "session_scope", "utcnow"]
