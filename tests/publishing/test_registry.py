"""Registry states, the gate's refusals and overrides in the audit log, one training at a time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rasa_client import RasaClient
from bot.retention.models import JobLease
from bot.storage import session_scope, utcnow
from handoff.models import AuditEntry
from publishing.follow import ServingFollower
from publishing.lease import TRAINING_JOB, TrainingLease
from publishing.models import ModelStatus, TrainedModel
from publishing.registry import (
    BadTransition,
    add_model,
    get_model,
    move,
    rollback_target,
    serving_model,
    switch_serving,
)
from publishing.service import GateRefused, NotEvaluated, Publisher
from publishing.settings import PublishSettings
from publishing.training import Trainer, TrainingBusy, epoch_progress

REFUSED = {
    "passed": False,
    "regressions": [
        {
            "set": "test_nlu.yml",
            "measure": "recall",
            "intent": "my_appeals",
            "serving": 0.8,
            "candidate": 0.6,
        }
    ],
    "intents": [],
}


def _file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.tar.gz"
    path.write_bytes(name.encode())
    return path


async def _ready(sessions: async_sessionmaker[AsyncSession], tmp_path: Path, name: str) -> int:
    async with session_scope(sessions) as session:
        model = await add_model(
            session, name, _file(tmp_path, name), created_by=None, status=ModelStatus.READY
        )
        return model.id


async def _audit(sessions: async_sessionmaker[AsyncSession]) -> list[AuditEntry]:
    async with sessions() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def test_publishing_retires_the_serving_model_and_rollback_finds_it(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    first = await _ready(sessions, tmp_path, "first")
    second = await _ready(sessions, tmp_path, "second")
    async with session_scope(sessions) as session:
        await switch_serving(session, await get_model(session, first), "http://a", 1)
    async with session_scope(sessions) as session:
        choice = await switch_serving(session, await get_model(session, second), "http://b", 2)
        assert choice.generation == 2
    async with sessions() as session:
        assert (await get_model(session, first)).status == ModelStatus.RETIRED
        assert (await serving_model(session)) is not None
        target = await rollback_target(session)
        assert target is not None
        assert target.id == first


async def test_a_retired_model_whose_file_is_gone_is_no_rollback_target(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    first = await _ready(sessions, tmp_path, "gone")
    second = await _ready(sessions, tmp_path, "kept")
    for model_id, url in ((first, "http://a"), (second, "http://b")):
        async with session_scope(sessions) as session:
            await switch_serving(session, await get_model(session, model_id), url, None)
    (tmp_path / "gone.tar.gz").unlink()
    async with sessions() as session:
        assert await rollback_target(session) is None


async def test_a_failed_model_can_never_serve(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with session_scope(sessions) as session:
        model = await add_model(session, "broken", tmp_path / "broken.tar.gz", created_by=None)
        move(model, ModelStatus.FAILED)
        with pytest.raises(BadTransition):
            move(model, ModelStatus.SERVING)


async def _with_verdict(
    sessions: async_sessionmaker[AsyncSession], model_id: int, verdict: dict[str, object]
) -> None:
    async with session_scope(sessions) as session:
        (await get_model(session, model_id)).report = {"verdict": verdict}


async def test_a_refused_model_is_rejected_and_the_refusal_audited(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, publish_settings: PublishSettings
) -> None:
    model_id = await _ready(sessions, tmp_path, "worse")
    await _with_verdict(sessions, model_id, REFUSED)
    async with aiohttp.ClientSession() as http:
        publisher = Publisher(sessions, publish_settings, http, "t")
        with pytest.raises(GateRefused) as refused:
            await publisher.gate(model_id, None)
    assert refused.value.verdict["regressions"][0]["intent"] == "my_appeals"
    async with sessions() as session:
        assert (await get_model(session, model_id)).status == ModelStatus.REJECTED
    [entry] = await _audit(sessions)
    assert entry.action == "model_refused"
    assert entry.detail is not None
    assert entry.detail["regressions"] == REFUSED["regressions"]


async def test_an_override_lets_a_refused_model_through_with_its_reason_audited(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, publish_settings: PublishSettings
) -> None:
    model_id = await _ready(sessions, tmp_path, "worse-but-needed")
    await _with_verdict(sessions, model_id, REFUSED)
    async with aiohttp.ClientSession() as http:
        publisher = Publisher(sessions, publish_settings, http, "t")
        await publisher.gate(model_id, None, "новый интент важнее, откат готов")
    [entry] = await _audit(sessions)
    assert entry.action == "model_override"
    assert entry.detail is not None
    assert entry.detail["reason"] == "новый интент важнее, откат готов"


async def test_an_unevaluated_model_is_not_published(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, publish_settings: PublishSettings
) -> None:
    model_id = await _ready(sessions, tmp_path, "unjudged")
    async with aiohttp.ClientSession() as http:
        with pytest.raises(NotEvaluated):
            await Publisher(sessions, publish_settings, http, "t").gate(model_id, None)
    assert await _audit(sessions) == []


async def test_only_one_training_at_a_time_across_instances(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    one = TrainingLease(sessions, "app-1:1", 60)
    two = TrainingLease(sessions, "app-2:1", 60)
    assert await one.claim()
    assert not await two.claim()
    await one.release()
    assert await two.claim()


async def test_a_dead_instances_training_lease_runs_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    assert await TrainingLease(sessions, "dead:1", 60).claim()
    async with session_scope(sessions) as session:
        await session.execute(
            update(JobLease)
            .where(JobLease.name == TRAINING_JOB)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    assert await TrainingLease(sessions, "alive:1", 60).claim()


async def test_a_second_training_is_refused_while_one_runs(
    sessions: async_sessionmaker[AsyncSession], publish_settings: PublishSettings
) -> None:
    assert await TrainingLease(sessions, "other:1", 60).claim()
    with pytest.raises(TrainingBusy):
        await Trainer(sessions, publish_settings, "me:1").start(None)
    async with sessions() as session:
        assert list(await session.scalars(select(TrainedModel))) == []


async def test_a_training_whose_validation_fails_is_failed_and_frees_the_lease(
    sessions: async_sessionmaker[AsyncSession], publish_settings: PublishSettings
) -> None:
    publish_settings.rasa_bin = Path("/bin/false")
    trainer = Trainer(sessions, publish_settings, "me:1")
    model_id = await trainer.start(None)
    await trainer.wait()
    async with sessions() as session:
        model = await get_model(session, model_id)
        assert model.status == ModelStatus.FAILED
        assert model.error is not None
        assert model.error.startswith("validate")
    assert await TrainingLease(sessions, "next:1", 60).claim()


def test_rasa_epoch_bars_read_as_progress() -> None:
    line = "Epochs:  41%|████      | 33/80 [00:20<00:26,  1.79it/s, t_loss=1.2, i_acc=0.9]"
    assert epoch_progress(line) == 33 / 80
    assert epoch_progress("2026-12-01 INFO rasa.engine.training - Starting") is None


async def test_every_app_instance_follows_the_published_rasa(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with aiohttp.ClientSession() as http:
        clients = [RasaClient(http, "http://old:5005", "t", 5) for _ in range(2)]
        followers = [ServingFollower(sessions, client) for client in clients]
        assert not any([await f.check() for f in followers])  # nothing published: as configured
        model_id = await _ready(sessions, tmp_path, "new")
        async with session_scope(sessions) as session:
            await switch_serving(session, await get_model(session, model_id), "http://new:7", 1)
        assert all([await f.check() for f in followers])
        assert [[i.url for i in c.instances] for c in clients] == [["http://new:7"]] * 2
        assert not any([await f.check() for f in followers])  # same generation: no churn
