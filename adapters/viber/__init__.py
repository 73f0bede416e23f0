"""Viber channel: signed webhook in, REST API out (viberbot models, aiohttp transport)."""

from adapters.viber.client import ViberApi
from adapters.viber.parse import ViberEvent, parse_event
from adapters.viber.sender import ViberSender
from adapters.viber.tracking import Tracking
from adapters.viber.webhook import ViberWebhook, setup_viber, signature

__all__ = [
    "Tracking",
    "ViberApi",
    "ViberEvent",
    "ViberSender",
    "ViberWebhook",
    "parse_event",
    "setup_viber",
    "signature",
]
