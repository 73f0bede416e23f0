"""NavecFeaturizer: navec vectors per token, their mean per sentence, loaded once."""

import numpy as np
import pytest
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.featurizer import (
    NavecFeaturizer,
    default_navec_path,
    load_navec,
    sequence_vectors,
    token_vector,
)
from nlu.tokenizer import RussianTokenizer


class FakeNavec:
    """A three-word vocabulary with navec's lookup surface."""

    class pq:
        dim = 2

    vectors = {"пароль": [1.0, 0.0], "забыть": [0.0, 1.0], "ёлка": [2.0, 2.0]}

    def __contains__(self, word):
        return word in self.vectors

    def __getitem__(self, word):
        return self.vectors[word]


def featurizer():
    return NavecFeaturizer({**NavecFeaturizer.get_default_config(), "alias": "navec"}, "navec")


def tokenized(text):
    message = Message(data={"text": text})
    RussianTokenizer(RussianTokenizer.get_default_config()).process([message])
    return message


def test_natasha_ships_the_vectors_offline():
    assert default_navec_path() is not None


def test_vectors_are_loaded_once_per_process():
    path = default_navec_path()
    assert load_navec(path) is load_navec(path)


def test_word_form_falls_back_to_its_lemma_then_to_yo():
    navec = FakeNavec()
    assert token_vector(navec, Token("пароль", 0, lemma="пароль")).tolist() == [1.0, 0.0]
    assert token_vector(navec, Token("забыла", 0, lemma="забыть")).tolist() == [0.0, 1.0]
    assert token_vector(navec, Token("елка", 0, lemma="елка")).tolist() == [2.0, 2.0]
    assert token_vector(navec, Token("qwerty", 0, lemma="qwerty")) is None


def test_unknown_words_are_zero_rows():
    tokens = [Token("забыла", 0, lemma="забыть"), Token("xyz", 7, lemma="xyz")]
    matrix = sequence_vectors(FakeNavec(), tokens)
    assert matrix.shape == (2, 2)
    assert matrix[1].tolist() == [0.0, 0.0]


def test_message_gets_a_row_per_token_and_the_mean_of_known_words():
    message = tokenized("забыла пароль qqqzzz")
    featurizer().process([message])
    sequence, sentence = message.get_dense_features("text")
    assert sequence.features.shape == (3, 300)
    assert not sequence.features[2].any(), "an unknown word contributes nothing"
    expected = sequence.features[:2].mean(axis=0)
    assert np.allclose(sentence.features[0], expected)


def test_similar_requests_get_closer_sentence_vectors():
    def sentence(text):
        message = tokenized(text)
        featurizer().process([message])
        vector = message.get_dense_features("text")[1].features[0]
        return vector / np.linalg.norm(vector)

    password = sentence("не могу вспомнить пароль")
    assert password @ sentence("забыл пароль от кабинета") > password @ sentence("добрый вечер")


def test_training_examples_are_featurized():
    data = TrainingData([tokenized("привет"), tokenized("спасибо большое")])
    featurizer().process_training_data(data)
    assert all(m.features_present("text", ["navec"]) for m in data.training_examples)


def test_message_without_tokens_is_left_alone():
    message = Message(data={"text": ""})
    featurizer().process([message])
    assert message.features == []


def test_missing_archive_is_reported_at_start(tmp_path):
    config = {**NavecFeaturizer.get_default_config(), "navec_path": str(tmp_path / "none.tar")}
    with pytest.raises(FileNotFoundError):
        NavecFeaturizer(config, "navec")
