"""GovEntityExtractor: rule-based entities for the e-government support bot.

The regular expressions here only find candidates in a message; what counts as an appeal
number, a СНИЛС or a phone, and the value reported, is decided by the shared `identifiers`
package (the same rules the actions and the channel adapters apply):

- ``appeal_number``: 10 digits, 8 digits or a letter code (``AB-987654321``), value as stored;
- ``snils``: 11 digits with a right check number; value ``XXX-XXX-XXX YY``;
- ``phone``: Russian numbers, and other countries' written with ``+``; value in E.164;
- ``service``: phrases from ``data/lookups/service.yml`` matched on lemmas;
  value = canonical code (``tax``, ``passport`` ...).
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from identifiers import (
    format_snils,
    is_mobile_shaped,
    normalize_appeal_number,
    normalize_phone,
    normalize_snils,
)
from identifiers.appeal import DASHES, DIGIT_GROUPS_PATTERN, LETTER_CODE_PATTERN, letter_code
from nlu.morph import lemma, tokens

DEFAULT_LOOKUP = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "lookups", "service.yml"
)

_SEP = rf"[\s{DASHES}]?"
_NOT_AFTER_WORD = r"(?<![A-Za-zА-Яа-яЁё0-9])"

# A Russian number as people write it: +7 / 8 / 7, then 3-3-2-2 digits, any grouping.
PHONE_RE = re.compile(
    rf"(?<![0-9+])(?:\+\s?7|8|7)[\s{DASHES}]*\(?\s*([0-9]{{3}})\s*\)?[\s{DASHES}]*([0-9]{{3}})"
    rf"[\s{DASHES}]*([0-9]{{2}})[\s{DASHES}]*([0-9]{{2}})(?![0-9])"
)
# Another country's number in international form: `+`, then digits in groups (+7 is above).
INTERNATIONAL_PHONE_RE = re.compile(
    rf"(?<![0-9+\w])\+\s?(?!7)[1-9](?:[\s{DASHES}]?\(?[0-9]\)?){{7,14}}(?![0-9])"
)
SNILS_RE = re.compile(
    rf"(?<![0-9])([0-9]{{3}}){_SEP}([0-9]{{3}}){_SEP}([0-9]{{3}})[\s{DASHES}]*([0-9]{{2}})(?![0-9])"
)
LETTER_CODE_RE = re.compile(rf"{_NOT_AFTER_WORD}{LETTER_CODE_PATTERN}(?![0-9])")
DIGITS_RE = re.compile(rf"(?<![0-9+])(?=(?:[0-9][\s{DASHES}]?){{7}}[0-9]){DIGIT_GROUPS_PATTERN}")
_PHONE_CONTEXT = re.compile(r"тел|phone|моб|сотов|номер\s+телеф", re.IGNORECASE)
_MOBILE_DIGITS = 10


# ---------------------------------------------------------------- service lookup
_LOOKUP_LOCK = threading.Lock()
_LOOKUP_CACHE: dict[str, list[tuple[tuple[str, ...], str]]] = {}


def load_service_lookup(path: str = DEFAULT_LOOKUP) -> list[tuple[tuple[str, ...], str]]:
    """Read the editor-maintained table (Rasa ``synonym`` blocks: name = code,
    examples = phrases) as lemma sequences, longest first. Cached per process."""
    with _LOOKUP_LOCK:
        if path in _LOOKUP_CACHE:
            return _LOOKUP_CACHE[path]
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        entries: list[tuple[tuple[str, ...], str]] = []
        for block in doc.get("nlu", []) or []:
            code = block.get("synonym")
            if not code:
                continue
            phrases = [code]
            for raw_line in str(block.get("examples", "")).splitlines():
                line = raw_line.strip()
                if line.startswith("-"):
                    phrases.append(line[1:].strip())
            for phrase in phrases:
                lem = tuple(lemma(t) for t, _s, _e in tokens(phrase.lower()) if re.search(r"\w", t))
                if lem:
                    entries.append((lem, code))
        entries.sort(key=lambda e: -len(e[0]))
        _LOOKUP_CACHE[path] = entries
        return entries


def find_services(text: str, path: str = DEFAULT_LOOKUP) -> list[dict[str, Any]]:
    """Service phrases of the lookup table in `text`, longest first, each span once."""
    toks = [(t, s, e) for t, s, e in tokens(text) if re.search(r"\w", t)]
    lems = [lemma(t.lower()) for t, _s, _e in toks]
    table = load_service_lookup(path)
    found: list[dict[str, Any]] = []
    used = [False] * len(toks)
    i = 0
    while i < len(toks):
        for seq, code in table:
            n = len(seq)
            if tuple(lems[i : i + n]) == seq and not any(used[i : i + n]):
                start, end = toks[i][1], toks[i + n - 1][2]
                found.append(
                    {
                        "entity": "service",
                        "value": code,
                        "start": start,
                        "end": end,
                        "text": text[start:end],
                    }
                )
                for k in range(i, i + n):
                    used[k] = True
                i += n - 1
                break
        i += 1
    return found


# ---------------------------------------------------------------- all entities
def extract(text: str, lookup_path: str = DEFAULT_LOOKUP) -> list[dict[str, Any]]:
    """All rule-based entities of a text (Rasa entity dicts without extractor name)."""
    if not text or text.startswith("/"):
        return []
    found = _Found(text)
    _phones(found)
    for m in SNILS_RE.finditer(text):
        snils = normalize_snils(m.group(0))
        if snils and found.free(m.start(), m.end()):
            found.add("snils", format_snils(snils), m.start(), m.end())
    for m in LETTER_CODE_RE.finditer(text):
        if found.free(m.start(), m.end()):
            found.add("appeal_number", letter_code(m), m.start(), m.end())
    for m in DIGITS_RE.finditer(text):
        if found.free(m.start(), m.end()):
            _digits(found, m)
    if os.path.exists(lookup_path):
        for ent in find_services(text, lookup_path):
            if found.free(ent["start"], ent["end"]):
                found.entities.append(ent)
    return sorted(found.entities, key=lambda e: int(e["start"]))


class _Found:
    """The entities found so far and the spans they take (a span is reported once)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.entities: list[dict[str, Any]] = []
        self._taken: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        """No entity found so far overlaps the span."""
        return all(end <= a or start >= b for a, b in self._taken)

    def add(self, name: str, value: str, start: int, end: int) -> None:
        """Report an entity and take its span."""
        self.entities.append(
            {
                "entity": name,
                "value": value,
                "start": start,
                "end": end,
                "text": self.text[start:end],
            }
        )
        self._taken.append((start, end))


def _phones(found: _Found) -> None:
    """Phones written with `+`, with the area code in brackets, or as a mobile (`89…`)."""
    for m in INTERNATIONAL_PHONE_RE.finditer(found.text):
        phone = normalize_phone(m.group(0))
        if phone:
            found.add("phone", phone, m.start(), m.end())
    for m in PHONE_RE.finditer(found.text):
        raw = m.group(0)
        digits = re.sub("[^0-9]", "", raw)
        # a bare run of eleven digits is a phone only when it is shaped like a mobile; else it
        # may be a СНИЛС or another number
        explicit = raw.startswith("+") or "(" in raw or is_mobile_shaped(digits)
        if explicit and found.free(m.start(), m.end()):
            phone = normalize_phone(raw)
            if phone:
                found.add("phone", phone, m.start(), m.end())


def _digits(found: _Found, m: re.Match[str]) -> None:
    """A run of digit groups: a mobile after a word about phones, an appeal number, or parts."""
    digits = re.sub("[^0-9]", "", m.group(0))
    if len(digits) == _MOBILE_DIGITS and digits[0] == "9" and _PHONE_CONTEXT.search(found.text):
        phone = normalize_phone(m.group(0))
        if phone:
            found.add("phone", phone, m.start(), m.end())
            return
    value = normalize_appeal_number(m.group(0))
    if value:
        found.add("appeal_number", value, m.start(), m.end())
        return
    # a run of groups that is not a number as a whole: try each group alone
    for g in re.finditer("[0-9]+", m.group(0)):
        start, end = m.start() + g.start(), m.start() + g.end()
        part = normalize_appeal_number(g.group(0))
        if part and found.free(start, end):
            found.add("appeal_number", part, start, end)


# login problem keywords (lemmas), checked in this order; used only when the message's
# intent is choose_login_problem (a typed answer to the password-reset menu)
LOGIN_PROBLEM_KEYWORDS = [
    ("vpn", {"vpn", "впн", "ip", "айпи", "прокси", "ip-адрес"}),
    ("lost_phone", {"потерять", "утерять", "украсть", "сменить", "поменять", "старый", "утеря"}),
    ("blocked", {"заблокировать", "блокировка", "блок", "заблокирован", "разблокировать"}),
    ("no_code", {"код", "смс", "sms", "сообщение", "смска"}),
    ("tech_error", {"ошибка", "сбой", "глючить", "виснуть", "500", "502", "503"}),
    ("forgot_password", {"забыть", "пароль", "забыла", "забыл"}),
]


def find_login_problem(text: str) -> str | None:
    """The login problem a typed answer to the password-reset menu names, if any."""
    lems = {lemma(t.lower()) for t, _s, _e in tokens(text)}
    for code, words in LOGIN_PROBLEM_KEYWORDS:
        if lems & words:
            return code
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class GovEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts appeal_number, snils, phone and service with rules and a lookup table."""

    def __init__(self, config: dict[str, Any]) -> None:
        """`service_lookup`: the lookup table, relative to the project root (default: data/)."""
        self._config = config
        path = config.get("service_lookup") or DEFAULT_LOOKUP
        if not os.path.isabs(path):
            path = os.path.join(os.path.dirname(DEFAULT_LOOKUP), "..", "..", path)
        self._lookup = os.path.normpath(path)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The project's lookup table unless config.yml names another."""
        return {"service_lookup": None}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GovEntityExtractor:
        """Creates the component (rules only: nothing is trained or persisted)."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their annotated entities."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the rule-based entities (and a typed login problem) to each message."""
        for message in messages:
            text = message.get(TEXT) or ""
            ents = extract(text, self._lookup)
            intent = (message.get("intent") or {}).get("name")
            if intent == "choose_login_problem" and not text.startswith("/"):
                code = find_login_problem(text)
                if code:
                    ents.append(
                        {
                            "entity": "login_problem",
                            "value": code,
                            "start": 0,
                            "end": len(text),
                            "text": text,
                        }
                    )
            if not ents:
                continue
            ents = self.add_extractor_name(ents)
            message.set(ENTITIES, message.get(ENTITIES, []) + ents, add_to_output=True)
        return messages
