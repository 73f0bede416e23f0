"""Slash commands a citizen can type in a messenger, and the intent each one stands for."""

from __future__ import annotations

from typing import Final

COMMANDS: Final = {
    "/start": "/greet",
    "/help": "/help",
    "/operator": "/request_operator",
    "/revoke": "/revoke_consent",  # withdraw the consent to the processing of personal data
    "/forget": "/forget_me",  # the right to be forgotten (asks for a confirmation first)
}


def command_payload(text: str) -> str | None:
    """The intent payload of a typed command (`/start`, `/forget@bot …`), else None."""
    if not text.startswith("/"):
        return None
    command = text.split(maxsplit=1)[0].split("@", 1)[0].lower()
    return COMMANDS.get(command)
