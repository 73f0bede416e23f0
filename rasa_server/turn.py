"""One app turn through Rasa's processor: the tracker read once, saved only when the turn is whole.

Rasa 3.6's `MessageProcessor.handle_message` swallows a custom action that could not run («Bot
will continue, but the actions events are lost») and saves the half turn, so the app would mark
the citizen's message done with no answer. Here a remote action that fails inside an app turn
aborts the turn before anything is saved; the channel answers 503 and the app retries the turn
later, exactly as when Rasa itself is down. The same single tracker read answers a retried
`message_id` from history and resumes a tracker a late `pause` left paused.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, ConversationResumed, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# True while the current task runs an app turn: only those turns may be aborted, Rasa's own
# HTTP API (`/conversations/.../execute`, other channels) keeps its stock behaviour.
_IN_APP_TURN: ContextVar[bool] = ContextVar("gospomoshnik_in_app_turn", default=False)
_GUARD_MARK = "_gospomoshnik_aborts_app_turns"


class ActionUnavailable(BaseException):
    """A custom action of an app turn could not run (action server down, its 5xx, a timeout).

    A BaseException on purpose: Rasa's processor catches every `Exception` an action raises and
    carries on with the turn; this one must travel up to the channel untouched, through Rasa's
    lock (released by its `finally`) and past `save_tracker`, which it never reaches.
    """

    def __init__(self, action: str, reason: str) -> None:
        super().__init__(f"{action}: {reason}")
        self.action = action
        self.reason = reason


def guard_remote_actions() -> None:
    """Make a failed custom action abort the app turn it belongs to (idempotent, process-wide).

    Rasa 3.6 has no hook for action errors, so `RemoteAction.run` is wrapped once; outside an
    app turn the wrapper only passes the original error on. A rejection (the action server's
    400, e.g. a form's validation) is part of normal dialogue and stays Rasa's.
    """
    original = RemoteAction.run
    if getattr(original, _GUARD_MARK, False):
        return

    async def run(self: RemoteAction, *args: Any, **kwargs: Any) -> list[Any]:
        try:
            return await original(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception as exc:
            if not _IN_APP_TURN.get():
                raise
            cause = exc.__cause__ or exc
            raise ActionUnavailable(self.name(), type(cause).__name__) from exc

    setattr(run, _GUARD_MARK, True)
    RemoteAction.run = run  # type: ignore[method-assign]


@dataclass
class TurnResult:
    """The channel's answer: replies, the parse of the citizen's message, and whether the
    answer was rebuilt from history (a retried message id) instead of a new turn."""

    messages: list[dict[str, Any]]
    parse: dict[str, Any]
    replayed: bool = False


async def run_turn(agent: Agent, message: UserMessage) -> TurnResult:
    """Rasa's `handle_message` for one app turn, under the conversation's lock.

    Raises ActionUnavailable (nothing saved) when a custom action could not run.
    """
    processor = agent.processor
    collector = message.output_channel
    assert processor is not None
    assert isinstance(collector, CollectingOutputChannel)
    in_app_turn = _IN_APP_TURN.set(True)
    try:
        async with agent.lock_store.lock(message.sender_id):
            tracker = await processor.fetch_tracker_and_update_session(
                message.sender_id, collector, message.metadata
            )
            if message.message_id:
                replayed = replay_of(tracker, message.message_id)
                if replayed is not None:
                    # The app retried a turn Rasa already answered (it crashed before it could
                    # store the replies): the same answer, never a second tracker turn.
                    return replayed
            if tracker.is_paused():
                # The app sends a turn only when the bot owns the conversation: a pause left
                # over from a handoff (e.g. one that reached Rasa after the resume) must not
                # leave the citizen without answers.
                logger.warning("conversation was still paused after its handoff; resuming it")
                tracker.update(ConversationResumed())
            # The steps of MessageProcessor.handle_message (Rasa 3.6.21, pinned), on the tracker
            # read above instead of a second read; the model always has a dialogue part.
            await processor._handle_message_with_tracker(message, tracker)
            tracker = await processor.run_action_extract_slots(collector, tracker)
            await processor._run_prediction_loop(collector, tracker)
            await processor.run_anonymization_pipeline(tracker)
            await processor.save_tracker(tracker)
    finally:
        _IN_APP_TURN.reset(in_app_turn)
    latest = tracker.latest_message
    return TurnResult(collector.messages, dict(latest.parse_data or {}) if latest else {})


def replay_of(tracker: DialogueStateTracker, message_id: str) -> TurnResult | None:
    """The answer already given to `message_id`, rebuilt from the tracker; None if it is new.

    Only applied events count: a turn undone by a rewind (`UserUtteranceReverted`) was never
    answered, so its retry runs again.
    """
    events = list(tracker.applied_events())
    for index, event in enumerate(events):
        if isinstance(event, UserUttered) and event.message_id == message_id:
            messages = []
            for later in events[index + 1 :]:
                if isinstance(later, UserUttered):
                    break
                if isinstance(later, BotUttered):
                    reply = {"recipient_id": tracker.sender_id, "text": later.text}
                    reply.update({k: v for k, v in (later.data or {}).items() if v})
                    messages.append(reply)
            return TurnResult(messages, dict(event.parse_data or {}), replayed=True)
    return None
