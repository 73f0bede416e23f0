"""NavecFeaturizer: dense features from navec Russian word vectors (shipped inside natasha).

Every token gets its navec vector, looked up by the lower-cased word, then by its lemma (set by
``RussianTokenizer``), then with «ё» folded; a word navec does not know gets a zero row. The
sentence feature is the mean of the known words' vectors. The vectors come from the archive
natasha installs (``natasha/data/emb/navec_news_v1_1B_250K_300d_100q.tar``), so nothing is
downloaded; they are loaded once per process, when the first pipeline is built, and shared.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from typing import Any

import numpy as np
import numpy.typing as npt
from navec import Navec
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import MEAN_POOLING, POOLING

logger = logging.getLogger(__name__)

NAVEC_ARCHIVE = os.path.join("data", "emb", "navec_news_v1_1B_250K_300d_100q.tar")

_LOCK = threading.Lock()
_VECTORS: dict[str, Any] = {}


def default_navec_path() -> str | None:
    """Where natasha keeps its navec archive, found without importing natasha."""
    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(next(iter(spec.submodule_search_locations)), NAVEC_ARCHIVE)
    return path if os.path.exists(path) else None


def load_navec(path: str) -> Any:
    """The navec vectors in `path`, read from disk once per process."""
    with _LOCK:
        if path not in _VECTORS:
            logger.debug("loading navec vectors from %s", path)
            _VECTORS[path] = Navec.load(path)
        return _VECTORS[path]


def token_vector(navec: Any, token: Token) -> npt.NDArray[np.float32] | None:
    """The token's vector: by word, then lemma, then with «ё» folded; None if unknown."""
    word = (token.text or "").lower()
    candidates = [word, (token.lemma or "").lower(), word.replace("ё", "е"), word.replace("е", "ё")]
    for candidate in candidates:
        if candidate and candidate in navec:
            return np.asarray(navec[candidate], dtype=np.float32)
    return None


def sequence_vectors(navec: Any, tokens: list[Token]) -> npt.NDArray[np.float32]:
    """A [len(tokens), dim] matrix; unknown words are zero rows."""
    dim = int(navec.pq.dim)
    matrix = np.zeros((len(tokens), dim), dtype=np.float32)
    for row, token in enumerate(tokens):
        vector = token_vector(navec, token)
        if vector is not None:
            matrix[row] = vector
    return matrix


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class NavecFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds navec word vectors (sequence) and their mean (sentence) as dense features."""

    @classmethod
    def required_components(cls) -> list[type]:
        """A tokenizer must run first (``nlu.tokenizer.RussianTokenizer`` gives lemmas)."""
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        """navec reads the archive; natasha ships it."""
        return ["navec", "natasha"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`navec_path`: an archive other than natasha's; `pooling`: mean or max."""
        return {**DenseFeaturizer.get_default_config(), POOLING: MEAN_POOLING, "navec_path": None}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        """Loads the vectors now (once per process), so the first citizen does not wait."""
        super().__init__(name, config)
        path = self._config.get("navec_path") or default_navec_path()
        if not path or not os.path.exists(path):
            raise FileNotFoundError(
                "navec vectors not found: install natasha or set `navec_path` in config.yml"
            )
        self._navec = load_navec(path)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NavecFeaturizer:
        """Creates the component (nothing is trained or persisted)."""
        return cls(config, execution_context.node_name or cls.__name__)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to validate beyond what the base class checks."""

    def _featurize(self, message: Message, attribute: str) -> None:
        tokens = message.get(TOKENS_NAMES[attribute])
        if not tokens:
            return
        sequence = sequence_vectors(self._navec, tokens)
        sentence = self.aggregate_sequence_features(sequence, self._config[POOLING])
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, attribute, alias))

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the dense features of each message's text."""
        for message in messages:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                self._featurize(message, attribute)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Sets the dense features of every training example."""
        self.process(training_data.training_examples)
        return training_data
