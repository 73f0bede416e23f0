"""Console API of the model registry under `/api/training/models…` (editors; overrides: admins).

A publish answers 202 once the gate let it through; the switch itself (loading a model takes a
minute) runs in the background and shows in the list as the model turning `serving`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from handoff.api.routing import ApiError, Call, NoInput, RouteTable
from handoff.console.texts import console_text
from handoff.models import Role
from publishing.registry import ModelMissing, get_model, list_models, model_view
from publishing.service import GateRefused, NotEvaluated, Publisher
from publishing.training import Trainer, TrainingBusy, TrainingMode

PUBLISHER = web.AppKey("publisher", Publisher)
TRAINER = web.AppKey("trainer", Trainer)
BACKGROUND = web.AppKey("publishing_tasks", set[asyncio.Task[Any]])

routes = RouteTable()
log = logging.getLogger(__name__)


class ModelView(BaseModel):
    """One trained model, its progress and its evaluation report with the gate's verdict."""

    id: int
    name: str
    status: str
    stage: str | None
    progress: float
    error: str | None
    sha256: str | None
    created_by: int | None
    created_at: datetime
    served_at: datetime | None
    report: dict[str, Any] | None


class Override(BaseModel):
    """An admin publishes a model the gate refused, and says why."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=10, max_length=2000)


class TrainInput(BaseModel):
    """`quick` fine-tunes the serving model (falls back to `full` when Rasa cannot); `full`
    trains from scratch."""

    model_config = ConfigDict(extra="forbid")

    mode: TrainingMode = TrainingMode.QUICK


class Started(BaseModel):
    """A background job was started for this model."""

    id: int


def _background(call: Call[Any], job: Any) -> None:
    tasks = call.request.app[BACKGROUND]
    task = asyncio.create_task(job)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    task.add_done_callback(_log_failure)


def _log_failure(task: asyncio.Task[Any]) -> None:
    """A publish or evaluation that failed in the background (the old model keeps serving)."""
    if not task.cancelled() and (problem := task.exception()) is not None:
        log.warning("publishing job failed", extra={"problem": type(problem).__name__})


@routes.route(
    "GET",
    "/api/training/models",
    summary="Every trained model, newest first",
    role=Role.EDITOR,
    input=NoInput,
    response=list[ModelView],
)
async def models(call: Call[NoInput]) -> list[ModelView]:
    """The registry."""
    return [ModelView(**model_view(model)) for model in await list_models(call.db)]


@routes.route(
    "GET",
    "/api/training/models/{id}",
    summary="One model: progress, report, verdict",
    role=Role.EDITOR,
    input=NoInput,
    response=ModelView,
    errors=(404,),
)
async def one_model(call: Call[NoInput]) -> ModelView:
    """What the panel polls while a model trains."""
    try:
        return ModelView(**model_view(await get_model(call.db, call.path_int("id"))))
    except ModelMissing as exc:
        raise ApiError(404, console_text("model_missing")) from exc


@routes.route(
    "POST",
    "/api/training/models",
    summary="Validate the data and train a new model in the background (quick or full)",
    role=Role.EDITOR,
    input=TrainInput,
    response=Started,
    status=202,
    errors=(409,),
)
async def train(call: Call[TrainInput]) -> Started:
    """One training at a time across every instance."""
    try:
        trainer = call.request.app[TRAINER]
        return Started(id=await trainer.start(call.operator.id, call.data.mode))
    except TrainingBusy as exc:
        raise ApiError(409, console_text("training_busy")) from exc


@routes.route(
    "POST",
    "/api/training/models/{id}/evaluate",
    summary="Compare the model with the one in service on the held-out sets",
    role=Role.EDITOR,
    input=NoInput,
    response=Started,
    status=202,
    errors=(404,),
)
async def evaluate(call: Call[NoInput]) -> Started:
    """The verdict lands in the model's report."""
    model_id = call.path_int("id")
    await one_model(call)
    _background(call, call.request.app[PUBLISHER].evaluate(model_id))
    return Started(id=model_id)


async def _publish(call: Call[Any], reason: str | None) -> Started:
    model_id = call.path_int("id")
    publisher = call.request.app[PUBLISHER]
    try:
        await publisher.gate(model_id, call.operator.id, reason)
    except ModelMissing as exc:
        raise ApiError(404, console_text("model_missing")) from exc
    except NotEvaluated as exc:
        raise ApiError(409, console_text("model_not_evaluated")) from exc
    except GateRefused as exc:
        regressions = list(exc.verdict["regressions"])
        raise ApiError(409, console_text("gate_refused"), regressions) from exc
    _background(call, publisher.switch(model_id, call.operator.id, "model_publish"))
    return Started(id=model_id)


@routes.route(
    "POST",
    "/api/training/models/{id}/publish",
    summary="Publish blue/green if the gate lets it through",
    role=Role.EDITOR,
    input=NoInput,
    response=Started,
    status=202,
    errors=(404, 409),
)
async def publish(call: Call[NoInput]) -> Started:
    """A refusal lists the regressions (set, measure, intent, before, after)."""
    return await _publish(call, None)


@routes.route(
    "POST",
    "/api/training/models/{id}/override",
    summary="Publish a model the gate refused, with a written reason",
    role=Role.ADMIN,
    input=Override,
    response=Started,
    status=202,
    errors=(404, 409),
)
async def override(call: Call[Override]) -> Started:
    """Audited with the reason and the regressions it accepts."""
    return await _publish(call, call.data.reason)


@routes.route(
    "POST",
    "/api/training/models/rollback",
    summary="Publish the model that served before",
    role=Role.EDITOR,
    input=NoInput,
    response=Started,
    status=202,
    errors=(404,),
)
async def rollback(call: Call[NoInput]) -> Started:
    """The same blue/green switch, to the latest retired model still on disk."""
    publisher = call.request.app[PUBLISHER]
    try:
        model_id = await publisher.rollback_id()
    except ModelMissing as exc:
        raise ApiError(404, console_text("nothing_to_roll_back")) from exc
    _background(call, publisher.switch(model_id, call.operator.id, "model_rollback"))
    return Started(id=model_id)
