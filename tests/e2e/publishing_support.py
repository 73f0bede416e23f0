"""Models for the publishing tests: copies of the trained model under new registry rows."""

from __future__ import annotations

import shutil

from bot.storage import session_scope
from publishing.models import ModelStatus
from publishing.registry import add_model
from publishing.service import Publisher
from tests.support import model_path


async def register_copy(publisher: Publisher, name: str) -> int:
    """The trained model copied into the publisher's models folder as a ready, passed model."""
    path = publisher.settings.models_dir / f"{name}.tar.gz"
    shutil.copyfile(model_path(), path)
    async with session_scope(publisher.sessions) as session:
        model = await add_model(session, name, path, created_by=None, status=ModelStatus.READY)
        model.report = {"verdict": {"passed": True, "regressions": [], "intents": []}}
        return model.id
