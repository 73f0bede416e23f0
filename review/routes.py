"""The review API under `/api/review/` (editors; admins too), declared like the console's."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from bot.settings import PROJECT_ROOT
from handoff.api.routing import ApiError, Call, NoInput, RouteTable
from handoff.audit import record_audit
from handoff.models import Role
from review import service, writer
from review.models import ReviewItem, TrainingExample
from review.schemas import (
    ClusterView,
    ContextLine,
    DecisionInput,
    DiffView,
    ExampleView,
    FileDiff,
    IntentsView,
    RevertInput,
    ReviewItemView,
)
from review.texts import review_text

TRAINING_ROOT = web.AppKey("training_root", Path)  # where data/ is; the checkout by default

T = TypeVar("T")
routes = RouteTable()


def _root(call: Call[Any]) -> Path:
    return call.request.app.get(TRAINING_ROOT, PROJECT_ROOT)


def _item_view(item: ReviewItem) -> ReviewItemView:
    return ReviewItemView(
        id=item.id,
        text=item.text,
        intent=item.intent,
        confidence=item.confidence,
        channel=item.channel,
        reasons=list(item.reasons),
        chosen_intent=item.chosen_intent,
        count=item.count,
        version=item.version,
        has_context=item.line_id is not None,
    )


def _example_view(example: TrainingExample) -> ExampleView:
    return ExampleView(
        id=example.id,
        text=example.text,
        intent=example.intent,
        author_id=example.author_id,
        version=example.version,
        created_at=example.created_at,
        reverted_at=example.reverted_at,
    )


@routes.route(
    "GET",
    "/api/review/clusters",
    summary="Open queued messages, grouped by similarity",
    role=Role.EDITOR,
    input=NoInput,
    response=list[ClusterView],
)
async def list_clusters(call: Call[NoInput]) -> list[ClusterView]:
    """The queue as clusters, biggest first."""
    return [
        ClusterView(items=[_item_view(item) for item in group], count=sum(i.count for i in group))
        for group in await service.open_clusters(call.db)
    ]


@routes.route(
    "GET",
    "/api/review/items/{id}/context",
    summary="The masked conversation around a queued message",
    role=Role.EDITOR,
    input=NoInput,
    response=list[ContextLine],
    errors=(404,),
)
async def item_context(call: Call[NoInput]) -> list[ContextLine]:
    """Lines before and after, personal data masked."""
    item = await call.db.get(ReviewItem, call.path_int("id"))
    if item is None:
        raise ApiError(404, review_text("not_found"))
    return [
        ContextLine(
            id=line.id,
            author=line.author,
            text=line.text or "",
            intent=line.intent,
            confidence=line.confidence,
            queued=line.id == item.line_id,
        )
        for line in await service.context(call.db, item)
    ]


@routes.route(
    "GET",
    "/api/review/intents",
    summary="Intents an editor can assign",
    role=Role.EDITOR,
    input=NoInput,
    response=IntentsView,
)
async def list_intents(call: Call[NoInput]) -> IntentsView:
    """The domain's intents and the ones editors created."""
    return IntentsView(intents=await service.known_intents(call.db))


@routes.route(
    "POST",
    "/api/review/decisions",
    summary="Assign an intent to messages, create a new intent, or dismiss them",
    role=Role.EDITOR,
    input=DecisionInput,
    response=list[ExampleView],
    status=201,
    errors=(400, 404, 409),
)
async def decide(call: Call[DecisionInput]) -> list[ExampleView]:
    """All listed messages or none; 409 when another editor changed one of them meanwhile."""
    data = call.data
    intent = (data.intent or "").strip() or None
    decision = service.Decision(
        items=[(item.id, item.version) for item in data.items],
        intent=intent,
        new_answer=data.new_answer if data.new_answer is not None and intent else None,
    )
    written = writer.existing_examples(_root(call))[1] if intent else {}
    examples = await _guarded(
        service.decide(call.db, decision, call.operator.id, call.now, written)
    )
    await record_audit(
        call.db,
        call.operator.id,
        "review_decide",
        detail={"items": len(data.items), "intent": intent, "new": decision.new_answer is not None},
    )
    return [_example_view(example) for example in examples]


@routes.route(
    "GET",
    "/api/review/examples",
    summary="Accepted examples, newest first",
    role=Role.EDITOR,
    input=NoInput,
    response=list[ExampleView],
)
async def list_examples(call: Call[NoInput]) -> list[ExampleView]:
    """The history, reverted ones included."""
    return [_example_view(example) for example in await service.history(call.db)]


@routes.route(
    "POST",
    "/api/review/examples/{id}/revert",
    summary="Revert an accepted example",
    role=Role.EDITOR,
    input=RevertInput,
    response=None,
    errors=(404, 409),
)
async def revert_example(call: Call[RevertInput]) -> None:
    """The row stays, marked reverted; the training files drop it at the next write."""
    example_id = call.path_int("id")
    await _guarded(
        service.revert(call.db, example_id, call.data.version, call.operator.id, call.now),
        "example_conflict",
    )
    await record_audit(
        call.db, call.operator.id, "review_revert", detail={"example_id": example_id}
    )


@routes.route(
    "GET",
    "/api/review/diff",
    summary="What writing the training files would change (unified diff)",
    role=Role.EDITOR,
    input=NoInput,
    response=DiffView,
)
async def training_diff(call: Call[NoInput]) -> DiffView:
    """The diff against the files on disk."""
    changes = writer.changes(await service.accepted_examples(call.db), _root(call))
    return DiffView(files=[FileDiff(path=c.path.as_posix(), diff=c.diff) for c in changes])


@routes.route(
    "POST",
    "/api/review/write",
    summary="Write the accepted examples into data/nlu/",
    role=Role.EDITOR,
    input=NoInput,
    response=DiffView,
)
async def write_training_files(call: Call[NoInput]) -> DiffView:
    """Write what the diff shows; answers what was written."""
    changes = writer.changes(await service.accepted_examples(call.db), _root(call))
    writer.write(changes, _root(call))
    await record_audit(
        call.db,
        call.operator.id,
        "review_write",
        detail={"files": [c.path.as_posix() for c in changes]},
    )
    return DiffView(files=[FileDiff(path=c.path.as_posix(), diff=c.diff) for c in changes])


async def _guarded(work: Awaitable[T], conflict: str = "conflict") -> T:
    """The service's refusals as API errors: 409 for another editor's change, 400 or 404 else."""
    try:
        return await work
    except service.EditConflict as error:
        raise ApiError(409, review_text(conflict)) from error
    except service.ReviewRefusal as error:
        status = 404 if error.key == "not_found" else 400
        raise ApiError(status, review_text(error.key).format(**error.params)) from error
