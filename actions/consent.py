"""Consent to the processing of personal data (152-ФЗ) before a phone is used, its withdrawal,
and the right to be forgotten.

The text, its version and the policy link live in `content/consent.yml` (read on every run, so
an editor's change shows without a restart); a new version asks every chat again. Without a
consent of the current version no phone is asked for and nothing is bound — general help and
an operator stay available.
"""

from __future__ import annotations

import asyncio
from abc import ABC
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from ruamel.yaml import YAML
from sqlalchemy.ext.asyncio import AsyncSession

from actions import identification
from actions.base import Clock, StoreAction, button
from actions.store import privacy
from actions.texts import TEXTS
from actions.vouching import FactCheck
from bot.settings import load_settings

AGREE_PAYLOAD = "/consent_agree"
DECLINE_PAYLOAD = "/consent_decline"
# what the app does with this custom payload: erase the chat once this turn's replies are out
FORGET_PAYLOAD: dict[str, Any] = {"forget": {}}
Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@dataclass(frozen=True)
class ConsentText:
    """The content of `consent.yml`."""

    version: str
    text: str
    policy_url: str
    policy_label: str
    agree: str
    decline: str


def read_consent(path: Path) -> ConsentText:
    """Read and check the consent file; a missing field is an error, not an empty text."""
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    fields = ("version", "text", "policy_url", "policy_label", "agree", "decline")
    missing = [name for name in fields if not str(data.get(name) or "").strip()]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    return ConsentText(**{name: str(data[name]).strip() for name in fields})


async def load_consent(path: Path | None = None) -> ConsentText:
    """The consent text of `path`, by default the file the settings name (CONSENT_CONTENT)."""
    return await asyncio.to_thread(read_consent, path or load_settings().consent_content)


def ask_consent(dispatcher: CollectingDispatcher, consent: ConsentText) -> None:
    """The consent question: the short text, the policy link and «Согласен» / «Не согласен»."""
    link = TEXTS.consent_policy_line.format(label=consent.policy_label, url=consent.policy_url)
    dispatcher.utter_message(
        text=f"{consent.text}\n{link}",
        buttons=[button(consent.agree, AGREE_PAYLOAD), button(consent.decline, DECLINE_PAYLOAD)],
    )


# Channels whose own phone-share button proves the number is the sender's (docs/security.md).
PHONE_SHARING_CHANNELS = frozenset({"telegram", "viber"})


async def ask_for_phone(
    session: AsyncSession,
    dispatcher: CollectingDispatcher,
    sender_id: str,
    consent: ConsentText,
) -> None:
    """Ask for the verified phone share — or first for consent, when the chat has not given it.

    A channel that cannot share a verified phone (the web chat) gets no consent question: it
    could not lead to identification there, so its channel explains where it can be done.
    """
    channel = sender_id.split(":", 1)[0]
    if channel not in PHONE_SHARING_CHANNELS or await privacy.has_consent(
        session, sender_id, consent.version
    ):
        identification.ask_to_identify(dispatcher)
    else:
        ask_consent(dispatcher, consent)


async def ask_consent_if_missing(
    sessions: Sessions,
    dispatcher: CollectingDispatcher,
    sender_id: str,
    consent_path: Path | None = None,
) -> bool:
    """The gate before binding: True (and the consent question asked) when consent is missing."""
    consent = await load_consent(consent_path)
    async with sessions() as session:
        if await privacy.has_consent(session, sender_id, consent.version):
            return False
    ask_consent(dispatcher, consent)
    return True


class _PrivacyAction(StoreAction, ABC):
    """A store action that also knows where the consent text lives (tests pass their own)."""

    def __init__(
        self,
        sessions: Any = None,
        clock: Clock | None = None,
        facts: FactCheck | None = None,
        consent_path: Path | None = None,
    ) -> None:
        """Tests pass their database, clock, key and consent file; the action server nothing."""
        super().__init__(sessions, clock, facts)
        self.consent_path = consent_path


class ActionConsentAgree(_PrivacyAction):
    """«Согласен»: records the consent (time, channel, sender, version), then asks for the phone."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_consent_agree"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Store the consent to the version the citizen was shown (the current one) — only on a
        turn the app vouches for, so nobody can consent in another chat's name."""
        consent = await load_consent(self.consent_path)
        facts = self.vouched(tracker)
        if facts is None:
            ask_consent(dispatcher, consent)
            return []
        async with self.session() as session:
            await privacy.give_consent(
                session, tracker.sender_id, facts.channel[:20], consent.version, self.now()
            )
        dispatcher.utter_message(text=TEXTS.consent_agreed)
        identification.ask_to_identify(dispatcher)
        return []


class ActionRevokeConsent(_PrivacyAction):
    """«Отозвать согласие»: withdraws it; the binding and the status subscriptions end."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_revoke_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Withdraw and say what ended (a turn the app did not send ends nothing)."""
        ended = False
        if self.vouched(tracker) is not None:
            async with self.session() as session:
                ended = await privacy.revoke_consent(session, tracker.sender_id, self.now())
        dispatcher.utter_message(
            text=TEXTS.consent_revoked if ended else TEXTS.consent_nothing_to_revoke
        )
        return [SlotSet("citizen_bound", False)]


class ActionForgetMe(_PrivacyAction):
    """After «удалите мои данные» was confirmed: the ticket store forgets the chat at once, and
    the app is told (custom payload `forget`) to erase the rest once this reply is delivered."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Forget the binding, subscriptions and consent now; the app erases the transcript,
        inbox/outbox and the Rasa tracker after the turn (Rasa saves the tracker at its end).
        A turn the app did not vouch for erases nothing."""
        if self.vouched(tracker) is None:
            dispatcher.utter_message(text=TEXTS.forget_not_vouched)
            return []
        async with self.session() as session:
            await privacy.forget_chat(session, tracker.sender_id)
        dispatcher.utter_message(text=TEXTS.forget_done, json_message=FORGET_PAYLOAD)
        return [SlotSet("citizen_bound", False)]
