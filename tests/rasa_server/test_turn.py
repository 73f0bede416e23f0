"""A turn is whole or not saved: the action guard and the strict tracker store (Rasa's venv)."""

import asyncio
import socket

import pytest
import sqlalchemy as sa
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUtteranceReverted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_server import turn
from rasa_server.tracker_store import StrictSQLTrackerStore, TrackerStoreUnavailable, make_strict


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _call_unreachable_action(in_app_turn: bool) -> BaseException:
    turn.guard_remote_actions()
    turn.guard_remote_actions()  # idempotent: wrapped once
    action = RemoteAction(
        "action_check_binding", EndpointConfig(f"http://127.0.0.1:{_closed_port()}/webhook")
    )
    tracker = DialogueStateTracker.from_events("webchat:x", [])

    async def run() -> None:
        token = turn._IN_APP_TURN.set(in_app_turn)
        try:
            await action.run(None, None, tracker, Domain.empty())
        finally:
            turn._IN_APP_TURN.reset(token)

    with pytest.raises(BaseException) as caught:  # noqa: PT011 - callers tell which it was
        asyncio.run(run())
    return caught.value


def test_an_action_that_cannot_run_aborts_the_app_turn():
    error = _call_unreachable_action(in_app_turn=True)
    assert isinstance(error, turn.ActionUnavailable)
    assert not isinstance(error, Exception)  # Rasa's `except Exception` cannot swallow it
    assert error.action == "action_check_binding"


def test_outside_an_app_turn_rasa_keeps_its_own_behaviour():
    error = _call_unreachable_action(in_app_turn=False)
    assert isinstance(error, Exception)
    assert not isinstance(error, turn.ActionUnavailable)


def test_a_reverted_turn_is_not_replayed():
    tracker = DialogueStateTracker.from_events(
        "webchat:abc",
        [
            UserUttered("привет", parse_data={"intent": {"name": "greet"}}, message_id="m1"),
            ActionExecuted("utter_greet"),
            BotUttered("Здравствуйте!"),
            UserUtteranceReverted(),
        ],
    )
    assert turn.replay_of(tracker, "m1") is None


def test_a_failing_tracker_store_raises_instead_of_forgetting():
    class Broken(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise ConnectionError("database down")

    store = FailSafeTrackerStore(Broken(Domain.empty()))

    class Agent:
        tracker_store = store

    assert asyncio.run(store.retrieve("webchat:x")) is None  # Rasa's stock: a new, empty chat
    make_strict(Agent())
    with pytest.raises(ConnectionError):
        asyncio.run(store.retrieve("webchat:x"))


def test_rasa_does_not_start_without_its_tracker_database():
    with pytest.raises(TrackerStoreUnavailable):
        StrictSQLTrackerStore(
            dialect="postgresql",
            host="127.0.0.1",
            port=_closed_port(),
            db="rasa",
            username="postgres",
            connect_timeout_s=1,
        )


def test_after_the_database_drops_its_connections_the_next_read_still_works():
    """A PostgreSQL restart closes every pooled connection server-side; the next tracker read
    must not fail on a dead one (the store pings before use)."""
    store = StrictSQLTrackerStore(
        dialect="postgresql", host="127.0.0.1", port=5432, db="test", username="postgres"
    )
    tracker = DialogueStateTracker.from_events("webchat:pre-ping", [UserUttered("привет")])
    asyncio.run(store.save(tracker))
    with store.engine.connect() as connection:  # the pooled connection the next read gets
        pid = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    killer = sa.create_engine("postgresql://postgres@127.0.0.1:5432/test")
    with killer.connect() as connection:
        assert connection.execute(
            sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}
        ).scalar()
    killer.dispose()
    loaded = asyncio.run(store.retrieve("webchat:pre-ping"))
    assert loaded is not None
    assert loaded.latest_message.text == "привет"
    store.engine.dispose()
