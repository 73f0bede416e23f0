"""Wire publishing into the app: the trainer, the publisher and the serving follower."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiohttp import web

from bot.keys import SESSIONS
from bot.settings import Settings
from publishing.follow import follow_serving
from publishing.routes import BACKGROUND, PUBLISHER, TRAINER
from publishing.service import Publisher
from publishing.settings import PublishSettings
from publishing.training import Trainer
from review.routes import TRAINING_ROOT


def setup_publishing(
    app: web.Application, settings: Settings, http: aiohttp.ClientSession, *, follow: bool
) -> None:
    """Trainer and publisher for the console routes; with `follow`, the serving follower."""
    publish = PublishSettings()
    owner = f"{settings.instance_name}:{os.getpid()}"
    app[TRAINER] = Trainer(app[SESSIONS], publish, owner)
    app[TRAINING_ROOT] = publish.training_root  # annotations land where training reads
    app[PUBLISHER] = Publisher(app[SESSIONS], publish, http, settings.rasa_token.get_secret_value())
    app[BACKGROUND] = set()
    app.cleanup_ctx.append(_background_jobs)
    if follow:
        app.cleanup_ctx.append(follow_serving)


async def _background_jobs(app: web.Application) -> AsyncIterator[None]:
    """Publishes and evaluations still running at shutdown are cancelled (a publish that did
    not switch yet leaves the old model serving; docs/publishing.md)."""
    yield
    tasks: set[asyncio.Task[Any]] = app[BACKGROUND]
    for task in tasks:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*tasks, return_exceptions=True)
