from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_server.channel import replay_of


def _parse(intent):
    return {"intent": {"name": intent, "confidence": 0.97}, "entities": [], "text": "x"}


def test_a_retried_turn_gets_the_answer_it_already_had():
    buttons = [{"title": "Контакты", "payload": "/support_contacts"}]
    tracker = DialogueStateTracker.from_events(
        "webchat:abc",
        [
            UserUttered("привет", parse_data=_parse("greet"), message_id="webchat:m1"),
            ActionExecuted("utter_greet"),
            BotUttered("Здравствуйте!", data={"buttons": buttons}),
            BotUttered("Чем помочь?"),
            ActionExecuted("action_listen"),
            UserUttered("пока", parse_data=_parse("goodbye"), message_id="webchat:m2"),
            BotUttered("До свидания!"),
        ],
    )
    first = replay_of(tracker, "webchat:m1")
    assert first["intent"]["name"] == "greet"
    assert first["messages"] == [
        {"recipient_id": "webchat:abc", "text": "Здравствуйте!", "buttons": buttons},
        {"recipient_id": "webchat:abc", "text": "Чем помочь?"},
    ]
    assert [m["text"] for m in replay_of(tracker, "webchat:m2")["messages"]] == ["До свидания!"]
    assert replay_of(tracker, "webchat:m3") is None
