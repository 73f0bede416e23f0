"""GovEntityExtractor: rule-based entities for the e-government support bot.

- ``appeal_number``: 10 digits, 8 digits or a letter-prefixed code (``AB-987654321``),
  written with «№», spaces or dashes; value normalised (digits only / ``AB-987654321``).
- ``snils``: 11 digits validated with the official check-number algorithm;
  value ``XXX-XXX-XXX YY``.
- ``phone``: Russian phone numbers, value ``+7XXXXXXXXXX``.
- ``service``: phrases from ``data/lookups/service.yml`` matched on lemmas;
  value = canonical code (``tax``, ``passport`` ...).
"""
from __future__ import annotations

import os
import re
import threading
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.morph import lemma, tokens

DEFAULT_LOOKUP = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "lookups", "service.yml"
)

# Cyrillic letters that look like latin ones (citizens mix them in codes).
_LOOKALIKE = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")

_DASH = "\\-‐‑–—"
_SEP = rf"[\s{_DASH}]?"

PHONE_RE = re.compile(
    rf"(?<![\d+])(?:\+\s?7|8|7)[\s{_DASH}]*\(?\s*(\d{{3}})\s*\)?[\s{_DASH}]*(\d{{3}})"
    rf"[\s{_DASH}]*(\d{{2}})[\s{_DASH}]*(\d{{2}})(?!\d)"
)
SNILS_RE = re.compile(
    rf"(?<!\d)(\d{{3}}){_SEP}(\d{{3}}){_SEP}(\d{{3}})[\s{_DASH}]*(\d{{2}})(?!\d)"
)
PREFIXED_RE = re.compile(
    rf"(?<![A-Za-zА-Яа-яЁё\d])([A-Za-z]{{2}}|[АВЕКМНОРСТУХ]{{2}})\s*[{_DASH}]?\s*(\d{{6,12}})(?!\d)"
)
# lower-case Cyrillic look-alikes («ав-123456789») only joined to the digits, so that words
# such as «на» or «от» before a number are never read as a prefix
PREFIXED_LOWER_RE = re.compile(
    rf"(?<![A-Za-zА-Яа-яЁё\d])([авекмнорстух]{{2}})[{_DASH}]?(\d{{6,12}})(?!\d)"
)
DIGITS_RE = re.compile(rf"(?<![\d+])(\d(?:[\d]|[\s{_DASH}](?=\d)){{6,14}}\d)(?!\d)")
_PHONE_CONTEXT = re.compile(r"тел|phone|моб|сотов|номер\s+телеф", re.IGNORECASE)


def snils_is_valid(value: str) -> bool:
    """Check a СНИЛС (11 digits, any separators) with its check number."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) != 11:
        return False
    number, check = digits[:9], int(digits[9:])
    if int(number) <= 1001998:
        # numbers up to 001-001-998 carry no check number
        return True
    if len(set(number)) == 1:
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(number))
    if total < 100:
        expected = total
    elif total in (100, 101):
        expected = 0
    else:
        expected = total % 101
        if expected == 100:
            expected = 0
    return expected == check


def format_snils(value: str) -> str:
    d = re.sub(r"\D", "", value)
    return f"{d[0:3]}-{d[3:6]}-{d[6:9]} {d[9:11]}"


def normalize_phone(value: str) -> Optional[str]:
    d = re.sub(r"\D", "", value or "")
    if len(d) == 11 and d[0] in "78":
        d = d[1:]
    if len(d) != 10:
        return None
    return "+7" + d


def normalize_appeal_number(value: str) -> Optional[str]:
    """Normalise an appeal number as the bot stores it, or None when it is not one."""
    raw = (value or "").strip().lstrip("№#Nn").strip(" .:")
    m = re.fullmatch(rf"([A-Za-zА-Яа-яЁё]{{2}})\s*[{_DASH}]?\s*(\d{{6,12}})", raw)
    if m:
        prefix = m.group(1).upper().translate(_LOOKALIKE)
        if re.fullmatch(r"[A-Z]{2}", prefix):
            return f"{prefix}-{m.group(2)}"
        return None
    digits = re.sub(rf"[\s{_DASH}]", "", raw)
    if re.fullmatch(r"\d{10}|\d{8}", digits):
        return digits
    return None


# ---------------------------------------------------------------- service lookup
_LOOKUP_LOCK = threading.Lock()
_LOOKUP_CACHE: Dict[str, List[Tuple[Tuple[str, ...], str]]] = {}


def load_service_lookup(path: str = DEFAULT_LOOKUP) -> List[Tuple[Tuple[str, ...], str]]:
    """Read the editor-maintained table (Rasa ``synonym`` blocks: name = code,
    examples = phrases) as lemma sequences, longest first. Cached per process."""
    with _LOOKUP_LOCK:
        if path in _LOOKUP_CACHE:
            return _LOOKUP_CACHE[path]
        import yaml

        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        entries: List[Tuple[Tuple[str, ...], str]] = []
        for block in doc.get("nlu", []) or []:
            code = block.get("synonym")
            if not code:
                continue
            phrases = [code]
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("-"):
                    phrases.append(line[1:].strip())
            for phrase in phrases:
                lem = tuple(lemma(t) for t, _s, _e in tokens(phrase.lower()) if re.search(r"\w", t))
                if lem:
                    entries.append((lem, code))
        entries.sort(key=lambda e: -len(e[0]))
        _LOOKUP_CACHE[path] = entries
        return entries


def find_services(text: str, path: str = DEFAULT_LOOKUP) -> List[Dict[str, Any]]:
    toks = [(t, s, e) for t, s, e in tokens(text) if re.search(r"\w", t)]
    lems = [lemma(t.lower()) for t, _s, _e in toks]
    table = load_service_lookup(path)
    found: List[Dict[str, Any]] = []
    used = [False] * len(toks)
    i = 0
    while i < len(toks):
        for seq, code in table:
            n = len(seq)
            if tuple(lems[i : i + n]) == seq and not any(used[i : i + n]):
                start, end = toks[i][1], toks[i + n - 1][2]
                found.append({"entity": "service", "value": code, "start": start, "end": end,
                              "text": text[start:end]})
                for k in range(i, i + n):
                    used[k] = True
                i += n - 1
                break
        i += 1
    return found


# ---------------------------------------------------------------- all entities
def extract(text: str, lookup_path: str = DEFAULT_LOOKUP) -> List[Dict[str, Any]]:
    """All rule-based entities of a text (Rasa entity dicts without extractor name)."""
    if not text or text.startswith("/"):
        return []
    found: List[Dict[str, Any]] = []
    taken: List[Tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def add(name: str, value: str, s: int, e: int) -> None:
        found.append({"entity": name, "value": value, "start": s, "end": e, "text": text[s:e]})
        taken.append((s, e))

    for m in PHONE_RE.finditer(text):
        raw = m.group(0)
        digits = re.sub(r"\D", "", raw)
        explicit = raw.lstrip().startswith("+") or "(" in raw or bool(re.match(r"[78]9", digits))
        if not explicit and snils_is_valid(digits):
            continue
        if explicit:
            phone = normalize_phone(raw)
            if phone:
                add("phone", phone, m.start(), m.end())
    for m in SNILS_RE.finditer(text):
        if free(m.start(), m.end()) and snils_is_valid(m.group(0)):
            add("snils", format_snils(m.group(0)), m.start(), m.end())
    for m in [*PREFIXED_RE.finditer(text), *PREFIXED_LOWER_RE.finditer(text)]:
        if free(m.start(), m.end()):
            value = normalize_appeal_number(m.group(0))
            if value:
                add("appeal_number", value, m.start(), m.end())
    for m in DIGITS_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        digits = re.sub(r"\D", "", m.group(0))
        if len(digits) == 10 and digits[0] == "9" and _PHONE_CONTEXT.search(text):
            add("phone", "+7" + digits, m.start(), m.end())
            continue
        value = normalize_appeal_number(m.group(0))
        if value:
            add("appeal_number", value, m.start(), m.end())
        else:
            # a run of groups that is not a number as a whole: try each group alone
            for g in re.finditer(r"\d+", m.group(0)):
                s, e = m.start() + g.start(), m.start() + g.end()
                v = normalize_appeal_number(g.group(0))
                if v and free(s, e):
                    add("appeal_number", v, s, e)
    if os.path.exists(lookup_path):
        for ent in find_services(text, lookup_path):
            if free(ent["start"], ent["end"]):
                found.append(ent)
    found.sort(key=lambda e: e["start"])
    return found


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


def find_login_problem(text: str) -> Optional[str]:
    lems = {lemma(t.lower()) for t, _s, _e in tokens(text)}
    for code, words in LOGIN_PROBLEM_KEYWORDS:
        if lems & words:
            return code
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class GovEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts appeal_number, snils, phone and service with rules and a lookup table."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        path = config.get("service_lookup") or DEFAULT_LOOKUP
        if not os.path.isabs(path):
            path = os.path.join(os.path.dirname(DEFAULT_LOOKUP), "..", "..", path)
        self._lookup = os.path.normpath(path)

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"service_lookup": None}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "GovEntityExtractor":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            ents = extract(text, self._lookup)
            intent = (message.get("intent") or {}).get("name")
            if intent == "choose_login_problem" and not text.startswith("/"):
                code = find_login_problem(text)
                if code:
                    ents.append({"entity": "login_problem", "value": code, "start": 0,
                                 "end": len(text), "text": text})
            if not ents:
                continue
            ents = self.add_extractor_name(ents)
            message.set(ENTITIES, message.get(ENTITIES, []) + ents, add_to_output=True)
        return messages
