"""Train a candidate in the background: `rasa data validate`, then `rasa train`, then evaluate.

Two modes. A **quick** retrain (the default) fine-tunes the model in service on today's data
(`rasa train --finetune … --epoch-fraction`): about a minute instead of several, for what
editors do most — new examples of intents that exist. Rasa refuses to fine-tune when an intent
was added or removed or `config.yml` changed beyond its epochs; the trainer then trains from
scratch in the same job, and the report says which one ran. A **full** retrain always starts
from scratch (after a new intent, a pipeline change, or to shed the drift of many quick ones).

Only one training runs at a time across every app instance (`TrainingLease`). The progress of
Rasa's epoch bars (tqdm lines such as ``Epochs:  41%|... | 33/80``) is written to the model's
row, so `GET /api/training/models/{id}` reads it from any instance.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from enum import StrEnum
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import session_scope, utcnow
from publishing.evaluate import EvaluationFailed, evaluate_model
from publishing.lease import TrainingLease
from publishing.models import ModelStatus
from publishing.registry import add_model, file_sha256, get_model, move, on_disk, serving_model
from publishing.settings import PublishSettings, rasa_env

log = logging.getLogger(__name__)
EPOCHS = re.compile(r"Epochs:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")
LOG_TAIL_LINES = 20


class TrainingBusy(Exception):
    """Another training holds the lease."""


class TrainingMode(StrEnum):
    """How a candidate is trained."""

    QUICK = "quick"  # fine-tune the serving model; from scratch when Rasa cannot
    FULL = "full"  # from scratch


def epoch_progress(line: str) -> float | None:
    """The fraction of one tqdm epoch line, or None when the line is no epoch bar."""
    found = EPOCHS.search(line)
    if found is None or int(found.group(2)) == 0:
        return None
    return int(found.group(1)) / int(found.group(2))


def new_model_name() -> str:
    """A fixed, sortable name for the next model file."""
    return "gospomoshnik-" + utcnow().strftime("%Y%m%d-%H%M%S-%f")


class Trainer:
    """Starts trainings and runs them to a READY or FAILED row."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: PublishSettings, owner: str
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._lease = TrainingLease(sessions, owner, settings.training_lease_s)
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, created_by: int | None, mode: TrainingMode = TrainingMode.QUICK) -> int:
        """Claim the lease, add the row and train in the background; the row's id."""
        if not await self._lease.claim():
            raise TrainingBusy
        name = new_model_name()
        async with session_scope(self._sessions) as session:
            model = await add_model(
                session, name, self._settings.models_dir / f"{name}.tar.gz", created_by=created_by
            )
            model.stage = "validate"
            model_id = model.id
        task = asyncio.create_task(self.run(model_id, name, mode))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return model_id

    async def wait(self) -> None:
        """Wait for every training this trainer started (the CLI and the tests)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run(self, model_id: int, name: str, mode: TrainingMode = TrainingMode.FULL) -> None:
        """Validate, train, evaluate; the lease is renewed meanwhile and handed back after."""
        renewing = asyncio.create_task(self._renew_forever())
        started = time.monotonic()
        try:
            await self._rasa(model_id, "validate", "data", "validate", *self._project_args())
            await self._set(model_id, stage="train")
            training = await self._train(model_id, name, mode)
            training["train_s"] = round(time.monotonic() - started, 1)
            await self._set(model_id, stage="evaluate", progress=1.0, report={"training": training})
            path = self._settings.models_dir / f"{name}.tar.gz"
            report = await evaluate_model(path, self._settings)
            async with session_scope(self._sessions) as session:
                model = await get_model(session, model_id)
                model.sha256 = file_sha256(path)
                model.report = {"candidate": report, "training": training}
                model.stage = "done"
                move(model, ModelStatus.READY)
        except (_StepFailed, EvaluationFailed, OSError) as exc:
            log.warning("training failed", extra={"model_id": model_id})
            async with session_scope(self._sessions) as session:
                model = await get_model(session, model_id)
                model.error = str(exc)
                move(model, ModelStatus.FAILED)
        finally:
            renewing.cancel()
            await self._lease.release()

    async def _train(self, model_id: int, name: str, mode: TrainingMode) -> dict[str, object]:
        """Run `rasa train` (fine-tuning first in the quick mode); how it was trained."""
        args = [
            "train",
            *self._project_args(),
            "--fixed-model-name",
            name,
            "--out",
            str(self._settings.models_dir),
            "--num-threads",
            "2",
        ]
        base = await self._finetune_base() if mode is TrainingMode.QUICK else None
        if base is not None:
            fraction = str(self._settings.finetune_epoch_fraction)
            try:
                await self._rasa(
                    model_id, "train", *args, "--finetune", str(base), "--epoch-fraction", fraction
                )
                return {"mode": TrainingMode.QUICK.value, "base": base.name}
            except _StepFailed:
                # a new or removed intent, or a changed pipeline: Rasa cannot fine-tune
                log.info("fine-tuning refused, training from scratch", extra={"model_id": model_id})
                await self._set(model_id, progress=0.0)
        await self._rasa(model_id, "train", *args)
        return {"mode": TrainingMode.FULL.value, "base": None, "asked": mode.value}

    async def _finetune_base(self) -> Path | None:
        """The model in service: the registry's, else the one Rasa was started with."""
        async with self._sessions() as session:
            serving = await serving_model(session)
        if serving is not None and on_disk(serving.path):
            return Path(serving.path)
        started_with = self._settings.rasa_model
        return started_with if started_with is not None and started_with.is_file() else None

    def _project_args(self) -> list[str]:
        root = self._settings.training_root
        return [
            "--data",
            str(root / "data"),
            "--domain",
            str(root / "domain.yml"),
            "--config",
            str(root / "config.yml"),
        ]

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self._settings.training_lease_s / 3)
            await self._lease.renew()

    async def _set(self, model_id: int, **values: object) -> None:
        async with session_scope(self._sessions) as session:
            model = await get_model(session, model_id)
            for key, value in values.items():
                setattr(model, key, value)

    async def _rasa(self, model_id: int, stage: str, *args: str) -> None:
        process = await asyncio.create_subprocess_exec(
            str(self._settings.rasa_bin),
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=rasa_env(),
        )
        assert process.stdout is not None  # PIPE was asked for
        tail: list[str] = []
        buffer = b""
        while chunk := await process.stdout.read(4096):
            buffer += chunk
            *lines, buffer = re.split(rb"[\r\n]", buffer)
            for raw in lines:
                line = raw.decode(errors="replace")
                if (fraction := epoch_progress(line)) is not None:
                    await self._set(model_id, progress=fraction)
                elif line.strip():
                    tail = [*tail, line][-LOG_TAIL_LINES:]
        if await process.wait() != 0:
            raise _StepFailed(f"{stage}: " + "\n".join(tail))


class _StepFailed(Exception):
    """`rasa data validate` or `rasa train` exited with an error."""
