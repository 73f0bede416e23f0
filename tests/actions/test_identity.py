"""Keyed СНИЛС hashes (the rules of identifiers themselves: tests/identifiers)."""

from __future__ import annotations

from actions.identity import snils_hash


def test_snils_hash_matches_but_does_not_reveal() -> None:
    digest = snils_hash("11223344595", "key")
    assert digest == snils_hash("11223344595", "key")
    assert digest != snils_hash("11223344595", "other key")
    assert "11223344595" not in digest
