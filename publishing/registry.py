"""The model registry: rows of `publishing_models`, their states, and the serving choice."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import utcnow
from publishing.models import ModelStatus, ServingChoice, TrainedModel

SERVING_ROW = 1
# which states may follow which; anything else is a bug in the caller, not a user error
TRANSITIONS: dict[ModelStatus, frozenset[ModelStatus]] = {
    ModelStatus.TRAINING: frozenset({ModelStatus.READY, ModelStatus.FAILED}),
    ModelStatus.READY: frozenset({ModelStatus.SERVING, ModelStatus.REJECTED}),
    ModelStatus.REJECTED: frozenset({ModelStatus.SERVING}),  # an admin's override
    ModelStatus.SERVING: frozenset({ModelStatus.RETIRED}),
    ModelStatus.RETIRED: frozenset({ModelStatus.SERVING}),  # a rollback
    ModelStatus.FAILED: frozenset(),
}


class BadTransition(Exception):
    """A model was asked to move to a state its current one cannot reach."""


class ModelMissing(Exception):
    """No model with that id (or no model serving)."""


def file_sha256(path: Path) -> str:
    """The model file's hash, so a registry row names exactly one file content."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def on_disk(path: str) -> bool:
    """Whether a model file is still there (a retired one may have been cleaned away)."""
    return Path(path).is_file()


async def add_model(
    session: AsyncSession,
    name: str,
    path: Path,
    *,
    created_by: int | None,
    status: ModelStatus = ModelStatus.TRAINING,
) -> TrainedModel:
    """A new registry row (a training about to start, or a model file registered as is)."""
    model = TrainedModel(
        name=name, path=str(path), status=status, created_by=created_by, created_at=utcnow()
    )
    if status != ModelStatus.TRAINING:
        model.sha256 = file_sha256(path)
    session.add(model)
    await session.flush()
    return model


async def get_model(session: AsyncSession, model_id: int) -> TrainedModel:
    """One row, or ModelMissing."""
    model = await session.get(TrainedModel, model_id)
    if model is None:
        raise ModelMissing(model_id)
    return model


def move(model: TrainedModel, status: ModelStatus) -> None:
    """Change a model's state if its current one allows it."""
    if status not in TRANSITIONS[ModelStatus(model.status)]:
        raise BadTransition(f"{model.status} -> {status}")
    model.status = status
    if status == ModelStatus.SERVING:
        model.served_at = utcnow()


async def list_models(session: AsyncSession) -> list[TrainedModel]:
    """Every model, newest first."""
    return list(
        await session.scalars(
            select(TrainedModel).order_by(TrainedModel.created_at.desc(), TrainedModel.id.desc())
        )
    )


async def serving_model(session: AsyncSession) -> TrainedModel | None:
    """The model in service, if the registry knows one."""
    return await session.scalar(
        select(TrainedModel).where(TrainedModel.status == ModelStatus.SERVING)
    )


async def rollback_target(session: AsyncSession) -> TrainedModel | None:
    """The model that served before the current one (the latest retired that is still on disk)."""
    retired = await session.scalars(
        select(TrainedModel)
        .where(TrainedModel.status == ModelStatus.RETIRED)
        .order_by(TrainedModel.served_at.desc(), TrainedModel.id.desc())
    )
    return next((model for model in retired if on_disk(model.path)), None)


async def serving_choice(session: AsyncSession) -> ServingChoice | None:
    """The row every app instance follows."""
    return await session.get(ServingChoice, SERVING_ROW)


async def switch_serving(
    session: AsyncSession, model: TrainedModel, rasa_url: str, pid: int | None
) -> ServingChoice:
    """Make `model` (on `rasa_url`) the one turns go to, retiring the one that served."""
    await session.execute(
        update(TrainedModel)
        .where(TrainedModel.status == ModelStatus.SERVING, TrainedModel.id != model.id)
        .values(status=ModelStatus.RETIRED)
    )
    move(model, ModelStatus.SERVING)
    choice = await serving_choice(session)
    if choice is None:
        choice = ServingChoice(id=SERVING_ROW, rasa_url=rasa_url, generation=0)
        session.add(choice)
    choice.model_id = model.id
    choice.rasa_url = rasa_url
    choice.pid = pid
    choice.generation += 1
    choice.switched_at = utcnow()
    await session.flush()
    return choice


def model_view(model: TrainedModel) -> dict[str, Any]:
    """What the API and the CLI show of one model."""
    return {
        "id": model.id,
        "name": model.name,
        "status": model.status,
        "stage": model.stage,
        "progress": model.progress,
        "error": model.error,
        "sha256": model.sha256,
        "created_by": model.created_by,
        "created_at": model.created_at,
        "served_at": model.served_at,
        "report": model.report,
    }
