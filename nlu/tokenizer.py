"""RussianTokenizer: razdel tokens, lower-cased, with pymorphy3 lemmas."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from nlu.morph import lemma, tokens

_PUNCT = set(".,!?;:«»\"'()[]{}…—–-")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class RussianTokenizer(Tokenizer):
    """Tokenizes Russian text with razdel and sets pymorphy3 lemmas."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Rasa's tokenizer options; punctuation is dropped unless `keep_punctuation`."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "keep_punctuation": False,
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RussianTokenizer:
        """Creates the component (nothing is trained or persisted)."""
        return cls(config)

    @staticmethod
    def required_packages() -> list[str]:
        """razdel splits, pymorphy3 lemmatizes."""
        return ["razdel", "pymorphy3"]

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Lower-cased tokens with their lemmas; a text of punctuation only stays one token."""
        text = message.get(attribute) or ""
        result: list[Token] = []
        for word, start, _end in tokens(text):
            if not self._config.get("keep_punctuation") and all(c in _PUNCT for c in word):
                continue
            low = word.lower().replace("ё", "е")
            result.append(Token(low, start, lemma=lemma(low)))
        if not result and text:
            result.append(Token(text.lower(), 0, lemma=text.lower()))
        return self._apply_token_pattern(result)


def lemmatize(text: str) -> list[str]:
    """Helper for tests and tools: the lemmas the tokenizer would produce."""
    tok = RussianTokenizer(RussianTokenizer.get_default_config())
    return [t.lemma for t in tok.tokenize(Message(data={"text": text}), "text")]
