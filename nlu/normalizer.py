"""TextNormalizer: fixes a wrong keyboard layout (ghbdtn → привет) and latin
transliteration (privet → привет) before tokenization.

A latin word is rewritten only when the converted word is a dictionary Russian word
(pymorphy3) and the latin word is not a known English/technical word.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.morph import is_known_ru

_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_RU = "йцукенгшщзхъфывапролджэячсмитьбюё"
LAYOUT = dict(zip(_EN, _RU, strict=True))
LAYOUT.update({e.upper(): r.upper() for e, r in zip(_EN, _RU, strict=True) if e.isalpha()})
LAYOUT.update({"{": "Х", "}": "Ъ", ":": "Ж", '"': "Э", "<": "Б", ">": "Ю", "~": "Ё"})

# Longest sequences first. The tables are kept in rows (fmt: off): one pair or word a line
# would make them five times as long and no easier to check.
# fmt: off
_TRANSLIT = [
    ("shch", "щ"), ("iya", "ия"), ("iyu", "ию"), ("iye", "ие"), ("tsya", "тся"), ("sch", "щ"),
    ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("ju", "ю"),
    ("ya", "я"), ("ja", "я"), ("yo", "ё"), ("jo", "ё"), ("ye", "е"), ("iy", "ий"), ("yy", "ый"),
    ("'", "ь"),
    ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"),
    ("i", "и"), ("j", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"),
    ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"),
    ("c", "к"), ("y", "ы"), ("w", "в"), ("x", "кс"), ("q", "к"),
]

# Latin words that must stay as they are (English, brands, tech terms).
ENGLISH = {
    "ok", "okay", "vpn", "sms", "email", "e-mail", "mail", "gmail", "chrome", "firefox",
    "edge", "safari", "opera", "yandex", "android", "iphone", "ios", "app", "error", "hello",
    "hi", "wifi", "wi-fi", "http", "https", "www", "url", "pdf", "ip", "id", "pin", "code",
    "login", "password", "bot", "help", "yes", "no", "thanks", "thank", "you", "please",
    "site", "online", "internet", "google", "telegram", "viber", "whatsapp", "windows",
    "mac", "linux", "browser", "cookie", "cookies", "cache", "captcha", "esia",
    "the", "is", "not", "and", "bad", "gateway", "service", "unavailable", "internal",
    "server", "timeout", "ru", "com", "org", "lk",
}

# Domain words pymorphy3 may not know but which are valid targets.
EXTRA_RU = {"госуслуги", "госуслуг", "госуслугах", "госуслугами", "снилс", "инн", "мфц", "лк",
            "смс", "впн", "есиа"}
# fmt: on

_LATIN_WORD = re.compile(r"[A-Za-z\[\];',.`{}:\"<>~]+")
_LETTERS = re.compile(r"[A-Za-z]")


def _layout(word: str) -> str:
    return "".join(LAYOUT.get(ch, ch) for ch in word)


def _translit(word: str) -> str:
    w = word.lower()
    out = []
    i = 0
    while i < len(w):
        for lat, cyr in _TRANSLIT:
            if w.startswith(lat, i):
                out.append(cyr)
                i += len(lat)
                break
        else:
            out.append(w[i])
            i += 1
    return "".join(out)


def _known(word: str) -> bool:
    w = word.lower().strip(".,;:'\"")
    return bool(w) and (w in EXTRA_RU or is_known_ru(w))


# Transliterated one-word answers whose wrong-layout reading is also a word ("net" → «туе»).
SHORT_ANSWERS = {"net": "нет", "da": "да", "nea": "неа"}


def fix_word(word: str) -> str:
    """Return the Russian word a latin-typed word stands for, or the word itself."""
    core = word.strip(".,")
    if not _LETTERS.search(core) or core.lower() in ENGLISH:
        return word
    if core.lower() in SHORT_ANSWERS:
        return word.replace(core, SHORT_ANSWERS[core.lower()])
    # a leading or trailing «,» / «.» may be the layout's «б» / «ю» (",jkmijt" is «большое»)
    for typed in dict.fromkeys((word, core)):
        conv = _layout(typed)
        if len(typed) >= 3 and re.fullmatch(r"[а-яёА-ЯЁ]+", conv) and _known(conv):
            return word.replace(typed, conv.lower())
    if re.fullmatch(r"[A-Za-z']+", core) and len(core) >= 3:
        tr = _translit(core)
        # «ai»/«oi» is nearly always «ай»/«ой» (sait → сайт, voiti → войти)
        candidates = (
            re.sub(r"(?<=[аеиоуыэюяё])[иы]", "й", tr),
            tr,
            tr + "ь",
            tr.replace("е", "э"),
            re.sub(r"тся$", "ться", tr),
        )
        for cand in candidates:
            if _known(cand):
                return word.replace(core, cand)
    return word


SHORT_TRANSLIT = {
    "ne": "не",
    "ni": "ни",
    "ya": "я",
    "na": "на",
    "v": "в",
    "s": "с",
    "i": "и",
    "k": "к",
    "u": "у",
    "o": "о",
    "po": "по",
    "za": "за",
    "ot": "от",
    "do": "до",
    "iz": "из",
    "mne": "мне",
    "ty": "ты",
    "vy": "вы",
    "my": "мы",
    "on": "он",
    "ona": "она",
    "kak": "как",
    "gde": "где",
    "uzhe": "уже",
    "eto": "это",
    "chto": "что",
    "a": "а",
    "no": "но",
    "da": "да",
    "nu": "ну",
    "vot": "вот",
    "tak": "так",
}


def _fix_short(word: str, mode: str) -> str:
    core = word.strip(".,")
    if not core or not _LETTERS.search(core) or (len(core) >= 3 and mode != "translit"):
        return word
    if mode == "layout":
        conv = _layout(core).lower()
        if re.fullmatch(r"[а-яё]+", conv) and (_known(conv) or len(conv) == 1):
            return word.replace(core, conv)
    elif mode == "translit" and core.lower() in SHORT_TRANSLIT:
        return word.replace(core, SHORT_TRANSLIT[core.lower()])
    return word


def normalize_text(text: str) -> str:
    """Fix wrong-layout and transliterated words in a message text."""
    if not text or text.startswith("/") or not _LETTERS.search(text):
        return text
    parts = re.split(r"(\s+)", text)
    fixed = []
    modes = set()
    for part in parts:
        if part and not part.isspace() and _LETTERS.search(part) and not re.search(r"\d", part):
            new = _LATIN_WORD.sub(lambda m: fix_word(m.group(0)), part)
            if new != part:
                modes.add(
                    "layout"
                    if re.search(r"[\[\];',.`]", part.strip(".,"))
                    or not re.fullmatch(r"[а-яё]+", _translit(part.strip(".,!?")))
                    or _layout(part.strip(".,!?")).lower() == new.strip(".,!?").lower()
                    else "translit"
                )
            fixed.append(new)
        else:
            fixed.append(part)
    if modes:
        mode = "layout" if "layout" in modes else "translit"
        fixed = [
            p
            if p.isspace() or not p
            else _LATIN_WORD.sub(lambda m: _fix_short(m.group(0), mode), p)
            for p in fixed
        ]
    return "".join(fixed)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextNormalizer(GraphComponent):
    """Rewrites ``message.data["text"]`` (layout and transliteration fixes)."""

    def __init__(self, config: dict[str, Any]) -> None:
        """No options: the dictionaries decide."""
        self._config = config

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormalizer:
        """Creates the component (nothing is trained or persisted)."""
        return cls(config)

    @staticmethod
    def required_packages() -> list[str]:
        """pymorphy3 tells dictionary words."""
        return ["pymorphy3"]

    def _process(self, message: Message) -> None:
        text: str | None = message.get(TEXT)
        if text:
            new = normalize_text(text)
            if new != text:
                message.set(TEXT, new)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalises the training examples as citizens' messages will be."""
        for example in training_data.training_examples:
            self._process(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Normalises each message's text."""
        for message in messages:
            self._process(message)
        return messages
