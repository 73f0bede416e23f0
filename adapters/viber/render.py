"""`OutboundMessage` → Viber `send_message` bodies (text, keyboard, share-phone, splitting).

Bodies are built with the viberbot SDK's message models; the caller adds `receiver` and
`sender`. Viber limits: 7,000 characters of text, 250 characters of button text, 30 KB per
request, `tracking_data` up to 4,000 characters.
"""

from __future__ import annotations

from typing import Any, cast

from viberbot.api.messages import PictureMessage, TextMessage

from adapters.splitting import split_text
from adapters.viber.texts import text as locale_text
from adapters.viber.texts import welcome_buttons
from adapters.viber.tracking import Tracking, action_body
from bot.messages import Button, OutboundMessage

MAX_TEXT = 7000
MAX_BUTTON_TEXT = 250
SHARE_PHONE_API_VERSION = 3  # share-phone buttons need Viber clients with API level 3+


def render_keyboard(buttons: tuple[Button, ...], request_contact: str | None) -> dict[str, Any]:
    """A Viber keyboard: one reply button per choice, then the share-phone button if asked."""
    columns = 6 if len(buttons) <= 6 else 3
    rows: list[dict[str, Any]] = [
        {
            "Columns": columns,
            "Rows": 1,
            "ActionType": "reply",
            "ActionBody": action_body(b.payload),
            "Text": (b.title or b.payload)[:MAX_BUTTON_TEXT],
            "TextSize": "regular",
            # the payload is for Rasa, not for the citizen's screen
            "Silent": True,
        }
        for b in buttons
    ]
    if request_contact:
        rows.append(
            {
                "Columns": 6,
                "Rows": 1,
                "ActionType": "share-phone",
                "ActionBody": "share-phone",  # required, though Viber sends the contact instead
                "Text": request_contact[:MAX_BUTTON_TEXT],
                "TextSize": "regular",
            }
        )
    return {
        "Type": "keyboard",
        "DefaultHeight": False,
        "InputFieldState": "regular",
        "Buttons": rows,
    }


def _body(message: TextMessage | PictureMessage) -> dict[str, Any]:
    return cast(dict[str, Any], message.to_dict())


def render(message: OutboundMessage, *, user_id: str, tracking: Tracking) -> list[dict[str, Any]]:
    """The bodies that show this message; the keyboard and tracking ride on the last text."""
    bodies: list[dict[str, Any]] = []
    if message.image:
        bodies.append(_body(PictureMessage(media=message.image, text="")))
    texts = [t for t in split_text(message.text or "", MAX_TEXT) if t.strip()]
    keyboard = None
    tracking_data = None
    if message.buttons or message.request_contact:
        keyboard = render_keyboard(message.buttons, message.request_contact)
        tracking_data = tracking.encode(
            user_id,
            [b.payload for b in message.buttons],
            phone_request=bool(message.request_contact),
        )
        if not texts:
            texts = [message.request_contact or locale_text("choose")]
    for index, part in enumerate(texts):
        last = index == len(texts) - 1
        bodies.append(
            _body(
                TextMessage(
                    text=part,
                    keyboard=keyboard if last else None,
                    tracking_data=tracking_data if last else None,
                    min_api_version=SHARE_PHONE_API_VERSION
                    if last and message.request_contact
                    else None,
                )
            )
        )
    return bodies


def welcome(*, sender: dict[str, str], tracking: Tracking, user_id: str) -> dict[str, Any]:
    """The answer to `conversation_started`: a greeting with the topic keyboard."""
    body = render(
        OutboundMessage(text=locale_text("welcome"), buttons=welcome_buttons()),
        user_id=user_id,
        tracking=tracking,
    )[-1]
    return {"sender": sender, **body}
