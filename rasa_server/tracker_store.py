"""Rasa's tracker store without its silent fallbacks: a database outage is an error, not amnesia.

Rasa 3.6 hides tracker store failures twice. `SQLTrackerStore.__init__` logs «Could not create
tables» and starts anyway when the database is down; and the agent wraps every store in a
`FailSafeTrackerStore`, which answers a failed read with a new empty conversation and saves a
failed write in process memory — during a PostgreSQL restart the citizen's history silently
loses turns. Here:

- `StrictSQLTrackerStore` (endpoints: `type: rasa_server.tracker_store.StrictSQLTrackerStore`)
  waits up to `connect_timeout_s` for the database at start and then makes Rasa fail to start
  (a supervisor restarts it), instead of serving without tables;
- its connections are checked before use (`pool_pre_ping`): after a database restart the pool
  holds connections the server has closed, and without the check the first request on each
  of them fails (a tracker read answering 500) although the database is back;
- `make_strict(agent)` turns the fail-safe wrapper's fallback into the original error, so the
  request fails (500/503), the app keeps the turn and retries it once the database is back.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    InMemoryTrackerStore,
    SQLTrackerStore,
    create_engine_kwargs,
)

logger = logging.getLogger(__name__)


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store's database did not answer within the start-up deadline."""


class StrictSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store that starts only with a reachable database and its tables."""

    def __init__(self, *args: Any, connect_timeout_s: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        deadline = time.monotonic() + float(connect_timeout_s)
        while True:
            try:
                self.Base.metadata.create_all(self.engine)
                with self.engine.connect() as connection:
                    connection.execute(sa.text("SELECT 1"))
                return
            except sa.exc.SQLAlchemyError as error:
                if time.monotonic() >= deadline:
                    raise TrackerStoreUnavailable(
                        f"tracker store database unreachable for {connect_timeout_s} s"
                    ) from error
                logger.warning(
                    "tracker store database not reachable yet (%s); waiting",
                    type(error).__name__,
                )
                time.sleep(2)


def _reraise(error: Exception) -> None:
    raise error


def make_strict(agent: Agent | None) -> None:
    """Make the agent's fail-safe tracker store raise instead of falling back (idempotent)."""
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore) and store._on_tracker_store_error is not _reraise:
        # Rasa 3.6.21 (pinned) calls this hook in the except block before falling back, and
        # offers no public way to set it once the agent exists.
        store._on_tracker_store_error = _reraise
        if isinstance(store._tracker_store, InMemoryTrackerStore):
            # e.g. a tracker store `type` Rasa could not import: it says so only in a warning
            logger.error("Rasa keeps conversations in memory only: check endpoints' tracker_store")
