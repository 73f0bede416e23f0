"""Typed application keys: how handlers reach the app's shared objects."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.attachments import AttachmentFetchers
from bot.inbox import Inbox
from bot.metrics import Metrics
from bot.outbox import Outbox
from bot.rasa_client import RasaClient
from bot.router import Router
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
METRICS = web.AppKey("metrics", Metrics)
INBOX = web.AppKey("inbox", Inbox)
OUTBOX = web.AppKey("outbox", Outbox)
RASA = web.AppKey("rasa", RasaClient)
ROUTER = web.AppKey("router", Router)
ATTACHMENTS = web.AppKey("attachments", AttachmentFetchers)
