"""ContentlessMessageGuard: a message made only of function words asks for nothing in particular.

«ну это самое короче как его там» has no word that names a request — only particles,
conjunctions, pronouns and pronominal adverbs — yet DIET, which must put its probability mass
somewhere, may call it `appeal_status` with full confidence, and the bot then asks for an appeal
number nobody mentioned. Such a message is a doubt. Before the FallbackClassifier this component
takes the confidence away from a *task* intent (one that starts a flow) predicted for a
contentless message without entities, so the fallback turns it into the guesses question; the
ranking stays, so the guesses are still DIET's best. Small talk («здравствуйте», «не», «ты
кто») is carried by exactly such words, so chit-chat intents are left alone.

What counts as a function word comes from pymorphy3's grammemes (the same analyzer the
tokenizer uses), plus a short list of lemmas that hedge without naming anything.

A message with no word at all («😀😀😀», «???», «.») gives DIET nothing but the sentence
encoder's vector of a symbol, and it lands confidently on whatever intent sits nearest (with e5,
`affirm` at 0.76 for all of those): such a message is a doubt whatever the intent, so the
citizen is shown the guesses instead of a «да» nobody said.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.morph import morph, tokens

# Parts of speech that never name a request: particles, interjections, conjunctions,
# prepositions, pronouns.
EMPTY_POS = frozenset({"PRCL", "INTJ", "CONJ", "PREP", "NPRO"})
# Pronominal adjectives («такой», «самый»), demonstrative and question adverbs («там», «как»).
EMPTY_GRAMMEMES = frozenset({"Apro", "Dmns", "Ques"})
_WORD = re.compile(r"[а-яё-]+")


def is_wordless(text: str) -> bool:
    """True for a message of symbols only: emoji, punctuation (and not an empty one)."""
    return bool(text.strip()) and re.search(r"\w", text) is None


def is_contentless(text: str, hedges: frozenset[str]) -> bool:
    """True when every word of `text` is a function word or a hedge (and there is a word)."""
    words = [t.lower().replace("ё", "е") for t, _, _ in tokens(text) if re.search(r"\w", t)]
    if not words:
        return False
    for word in words:
        if not _WORD.fullmatch(word):
            return False  # digits, Latin: a number or a name may be the whole request
        parse = morph().parse(word)[0]
        if parse.tag.POS in EMPTY_POS or EMPTY_GRAMMEMES & set(parse.tag.grammemes):
            continue
        if parse.normal_form in hedges:
            continue
        return False
    return True


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ContentlessMessageGuard(GraphComponent):
    """Zeroes the confidence of a task intent predicted for a message that names nothing, and
    of any intent predicted for a message without a word."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`task_intents` start flows; `hedges` are lemmas that carry no request of their own."""
        return {
            "task_intents": [
                "password_reset",
                "appeal_status",
                "service_unavailable",
                "support_contacts",
                "request_operator",
                "out_of_scope",
                "my_appeals",
                "subscribe_status",
                "unbind",
                "revoke_consent",
                "forget_me",
            ],
            "hedges": [
                "знать",
                "сказать",
                "понять",
                "слушать",
                "можно",
                "сейчас",
                "быть",
                "вообще",
                "просто",
                "типа",
                "короче",
                "штука",
                "вопрос",
                "хотеть",
                "спросить",
            ],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Reads the two word lists of the configuration."""
        self._tasks = frozenset(config["task_intents"])
        self._hedges = frozenset(config["hedges"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ContentlessMessageGuard:
        """Creates the component (nothing is trained or persisted)."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Takes the confidence from a task intent of a contentless message without entities."""
        for message in messages:
            intent = message.get(INTENT) or {}
            text = str(message.get(TEXT) or "")
            if not intent.get("name") or message.get(ENTITIES):
                continue
            task = intent.get("name") in self._tasks
            if is_wordless(text) or (task and is_contentless(text, self._hedges)):
                message.set(INTENT, {**intent, "confidence": 0.0}, add_to_output=True)
        return messages
