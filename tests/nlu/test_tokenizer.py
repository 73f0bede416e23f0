from rasa.shared.nlu.training_data.message import Message

from nlu.tokenizer import RussianTokenizer, lemmatize


def test_lemmas_and_lowercase():
    assert lemmatize("Где мои ЗАЯВЛЕНИЯ?") == ["где", "мой", "заявление"]


def test_token_offsets_point_into_text():
    text = "Госуслуги не пускают"
    tok = RussianTokenizer(RussianTokenizer.get_default_config())
    tokens = tok.tokenize(Message(data={"text": text}), "text")
    assert [t.text for t in tokens] == ["госуслуги", "не", "пускают"]
    for t in tokens:
        assert text[t.start : t.end].lower() == t.text
    assert tokens[2].lemma == "пускать"


def test_yo_is_folded():
    assert lemmatize("моё") == ["мой"]
