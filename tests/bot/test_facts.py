"""The facts the app signs for each turn: what verifies, and every way a forgery does not."""

from __future__ import annotations

from typing import Any

import pytest

from bot.facts import FactSigner, TurnFacts, verify_facts

KEY = b"test-key"
NOW = 1_800_000_000
SENDER = "telegram:42"
CONTACT = {"phone": "+79990000001", "verified": True}


def signed(contact: dict[str, Any] | None = CONTACT, at: int = NOW) -> dict[str, Any]:
    facts = TurnFacts(SENDER, "telegram", "42", "42", "telegram:42:7", contact)
    return FactSigner(KEY, clock=lambda: at).sign(facts)


def check(metadata: Any, sender: str = SENDER, key: bytes = KEY, now: float = NOW) -> Any:
    return verify_facts(key, metadata, sender=sender, now=now, max_age_s=300)


def test_the_apps_signed_share_verifies_with_its_phone() -> None:
    facts = check(signed())
    assert facts is not None
    assert facts.contact_phone == "+79990000001"
    assert (facts.channel, facts.chat_id, facts.message_id) == ("telegram", "42", "telegram:42:7")


def test_an_unverified_share_is_signed_but_gives_no_phone() -> None:
    facts = check(signed({"phone": "+79990000001", "verified": False}))
    assert facts is not None
    assert facts.contact_phone is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact", {"phone": "+79990000002", "verified": True}),
        ("sender", "telegram:43"),
        ("chat_id", "43"),
        ("issued_at", NOW + 1),
        ("signature", "0" * 64),
    ],
)
def test_a_changed_field_breaks_the_signature(field: str, value: Any) -> None:
    metadata = signed()
    metadata[field] = value
    assert check(metadata, sender=metadata["sender"]) is None


def test_unsigned_metadata_as_a_forged_tracker_carries_it_is_refused() -> None:
    assert check({"channel": "telegram", "contact": CONTACT}) is None
    assert check(None) is None
    assert check("not a dict") is None


def test_facts_signed_for_another_chat_are_refused() -> None:
    assert check(signed(), sender="telegram:999") is None


def test_another_key_is_refused() -> None:
    assert check(signed(), key=b"another-key") is None


def test_stale_and_future_signatures_are_refused() -> None:
    assert check(signed(at=NOW - 301)) is None
    assert check(signed(at=NOW - 299)) is not None
    assert check(signed(at=NOW + 3600)) is None


def test_a_signer_needs_a_key() -> None:
    with pytest.raises(ValueError, match="key"):
        FactSigner(b"")
