"""What the NLU extractor finds in a message, the shared identifier rules accept, and back.

The actions and the adapters validate with `identifiers`; the extractor finds candidates with
its own patterns. Hypothesis writes messages two ways: freely mixed digits, letters and signs
(every appeal number, СНИЛС or phone the extractor reports must be what the rules make of the
text it reports it for), and every documented spelling of a valid identifier (the extractor
must find it, with the value the rules give).
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

import identifiers
from nlu.entities import extract

IDENTIFIER_ENTITIES = ("appeal_number", "snils", "phone")
LOOKUP = "/nonexistent"  # services are not identifiers: leave the lookup table out


def rule_value(entity: str, text: str):
    """The value the shared rules give the text an entity was reported for."""
    if entity == "snils":
        digits = identifiers.normalize_snils(text)
        return identifiers.format_snils(digits) if digits else None
    if entity == "phone":
        return identifiers.normalize_phone(text)
    return identifiers.normalize_appeal_number(text)


def found(text: str) -> list[tuple[str, str]]:
    return [
        (e["entity"], e["value"])
        for e in extract(text, LOOKUP)
        if e["entity"] in IDENTIFIER_ENTITIES
    ]


fragments = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=12),
    st.sampled_from([" ", "  ", "-", "–", "(", ")", "+", "+7", "№", ".", ",", "\n"]),
    st.sampled_from(
        [
            "AB",
            "ab",
            "Ab",
            "АВ",
            "ав",
            "кс",
            "NO",
            "N",
            "на",
            "от",
            "номер",
            "тел",
            "телефон",
            "снилс",
            "заявление",
        ]
    ),
)
messages = st.lists(fragments, min_size=1, max_size=14).map("".join)


@settings(max_examples=1500, deadline=None)
@given(messages)
@example("номер AB-123456")
@example("заявка ав-123456")
@example("снилс 001-001-998 00")
@example("+375 29 123-45-67")
@example("тел 916 123 45 67")
def test_what_the_extractor_finds_the_rules_accept(text: str) -> None:
    for entity in extract(text, LOOKUP):
        if entity["entity"] in IDENTIFIER_ENTITIES:
            assert rule_value(entity["entity"], entity["text"]) == entity["value"], entity


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def grouped(number: str, separators: list[str]) -> str:
    """`number` with a separator (or none) after each digit but the last."""
    return "".join(d + s for d, s in zip(number[:-1], separators, strict=True)) + number[-1]


def separators_for(n: int, choices: list[str]):
    return st.lists(st.sampled_from(choices), min_size=n - 1, max_size=n - 1)


tails = st.sampled_from(["", ".", ",", "?", " спасибо"])


@st.composite
def digit_appeal_numbers(draw):
    number = draw(
        st.text(alphabet="0123456789", min_size=8, max_size=8)
        | st.text(alphabet="0123456789", min_size=10, max_size=10)
    )
    written = grouped(number, draw(separators_for(len(number), ["", "", " ", "-", "–"])))
    mark = draw(st.sampled_from(["", "№", "№ ", "номер "]))
    return f"{mark}{written}"


@st.composite
def letter_codes(draw):
    number = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    kind = draw(st.sampled_from(["latin", "cyrillic", "lower"]))
    if kind == "latin":
        letters = draw(
            st.text(
                alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                min_size=2,
                max_size=2,
            )
        )
        joint = draw(st.sampled_from(["", "-", " ", " - ", "–"]))
    elif kind == "cyrillic":
        letters = draw(st.text(alphabet="АВЕКМНОРСТУХ", min_size=2, max_size=2))
        joint = draw(st.sampled_from(["", "-", " ", "—"]))
    else:
        letters = draw(st.text(alphabet="авекмнорстух", min_size=2, max_size=2))
        joint = draw(st.sampled_from(["", "-"]))
    return f"{letters}{joint}{number}"


@st.composite
def valid_snils(draw):
    if draw(st.booleans()):
        first_nine = f"{draw(st.integers(1_001_999, 999_999_999)):09d}"
        check = identifiers.snils_check_number(first_nine)
    else:  # issued before check numbers: any two last digits
        first_nine = f"{draw(st.integers(1, 1_001_998)):09d}"
        check = draw(st.integers(0, 99))
    return f"{first_nine}{check:02d}"


@st.composite
def russian_phones(draw):
    national = draw(st.text(alphabet="0123456789", min_size=10, max_size=10))
    a, b, c, d = national[:3], national[3:6], national[6:8], national[8:]
    spellings = [
        f"+7 {a} {b}-{c}-{d}",
        f"+7{national}",
        f"8 ({a}) {b}-{c}-{d}",
        f"+7 ({a}) {b} {c} {d}",
        f"7({a}){b}{c}{d}",
    ]
    if national[0] == "9":  # a bare mobile
        spellings += [f"8{national}", f"7{national}", f"8-{a}-{b}-{c}-{d}"]
    return draw(st.sampled_from(spellings)), "+7" + national


@st.composite
def foreign_phones(draw):
    country = draw(st.sampled_from(["1", "44", "49", "86", "375", "380", "998", "995", "81"]))
    rest_length = draw(st.integers(8 - len(country), 15 - len(country)))
    rest = draw(st.text(alphabet="0123456789", min_size=rest_length, max_size=rest_length))
    written = grouped(rest, draw(separators_for(len(rest), ["", "", " ", "-"])))
    return f"+{country} {written}", f"+{country}{rest}"


@settings(max_examples=400, deadline=None)
@given(st.one_of(digit_appeal_numbers(), letter_codes()), tails)
@example("AB-987654321", "")
def test_every_spelling_of_an_appeal_number_is_found(written: str, tail: str) -> None:
    value = identifiers.normalize_appeal_number(written)
    assert value is not None, written
    assert found(f"статус заявления {written}{tail}") == [("appeal_number", value)]


@settings(max_examples=400, deadline=None)
@given(valid_snils(), st.sampled_from(["dashes", "spaces", "nine and two", "bare"]), tails)
@example("00100199800", "dashes", "")
def test_every_spelling_of_a_snils_is_found(digits: str, spelling: str, tail: str) -> None:
    a, b, c, d = digits[:3], digits[3:6], digits[6:9], digits[9:]
    written = {
        "dashes": f"{a}-{b}-{c} {d}",
        "spaces": f"{a} {b} {c} {d}",
        "nine and two": f"{a}{b}{c} {d}",
        "bare": digits,
    }[spelling]
    assert identifiers.normalize_snils(written) == digits
    got = found(f"мой снилс {written}{tail}")
    if spelling in ("nine and two", "bare") and identifiers.is_mobile_shaped(digits):
        # eleven digits shaped like a mobile, without the СНИЛС grouping: read as the phone
        assert got == [("phone", identifiers.normalize_phone(digits))]
    else:
        assert got == [("snils", identifiers.format_snils(digits))]


@settings(max_examples=400, deadline=None)
@given(st.one_of(russian_phones(), foreign_phones()), tails)
def test_every_spelling_of_a_phone_is_found(phone: tuple[str, str], tail: str) -> None:
    written, value = phone
    assert identifiers.normalize_phone(written) == value
    assert found(f"мой номер {written}{tail}") == [("phone", value)]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9), tails)
def test_a_mobile_without_prefix_is_found_after_a_word_about_phones(rest: str, tail: str) -> None:
    national = "9" + rest
    assert found(f"телефон {national}{tail}") == [("phone", identifiers.normalize_phone(national))]
