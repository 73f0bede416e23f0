"""Quick retrains fine-tune the model in service; when Rasa refuses, the same job trains from
scratch. A stand-in for Rasa's CLI records how it was called and plays Rasa's part."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import session_scope
from publishing.models import ModelStatus
from publishing.registry import add_model, get_model, switch_serving
from publishing.settings import PublishSettings
from publishing.training import Trainer, TrainingMode


def _fake_rasa(tmp_path: Path, *, finetune_ok: bool) -> tuple[Path, Path]:
    """A `rasa` that logs its arguments, writes the model file `train` was asked for (epoch
    bars included) and, unless `finetune_ok`, exits 1 on `--finetune` as Rasa does after a new
    intent. Returns (script, calls log)."""
    calls = tmp_path / "calls.txt"
    script = tmp_path / "rasa"
    refuse = "" if finetune_ok else "echo 'cannot finetune: new intent'; exit 1"
    script.write_text(
        f"""#!/bin/sh
echo "$@" >> {shlex.quote(str(calls))}
case "$*" in *--finetune*) {refuse};; esac
if [ "$1" = train ]; then
  name=""; out=""
  while [ $# -gt 0 ]; do
    case "$1" in --fixed-model-name) name=$2;; --out) out=$2;; esac
    shift
  done
  mkdir -p "$out" && printf model > "$out/$name.tar.gz"
  printf 'Epochs:  50%%|#    | 6/12 [00:01<00:01]\\n'
fi
exit 0
""",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script, calls


@pytest.fixture
async def serving(sessions: async_sessionmaker[AsyncSession], tmp_path: Path) -> Path:
    """A model in service, on disk."""
    path = tmp_path / "serving.tar.gz"
    path.write_bytes(b"serving")
    async with session_scope(sessions) as session:
        model = await add_model(session, "serving", path, created_by=None, status=ModelStatus.READY)
        await switch_serving(session, model, "http://127.0.0.1:5005", None)
    return path


async def _train(
    sessions: async_sessionmaker[AsyncSession], settings: PublishSettings, mode: TrainingMode
) -> tuple[str, str | None]:
    """Run one training to its end; (the model's error, its training mode if it got so far)."""
    trainer = Trainer(sessions, settings, "me:1")
    model_id = await trainer.start(None, mode)
    await trainer.wait()
    async with sessions() as session:
        model = await get_model(session, model_id)
        assert model.status == ModelStatus.FAILED  # the stand-in's file is no model to evaluate
        return model.error or "", (model.report or {}).get("training", {}).get("mode")


def _train_calls(calls: Path) -> list[list[str]]:
    return [line.split() for line in calls.read_text().splitlines() if line.startswith("train")]


async def test_a_quick_retrain_fine_tunes_the_serving_model_with_a_fraction_of_the_epochs(
    sessions: async_sessionmaker[AsyncSession],
    publish_settings: PublishSettings,
    serving: Path,
    tmp_path: Path,
) -> None:
    publish_settings.rasa_bin, calls = _fake_rasa(tmp_path, finetune_ok=True)
    publish_settings.rasa_python = Path("/bin/false")  # evaluation fails after training
    publish_settings.training_root = tmp_path / "project"
    error, mode = await _train(sessions, publish_settings, TrainingMode.QUICK)
    assert mode == "quick"
    assert not error.startswith(("validate", "train"))  # trained; the evaluation failed
    (train,) = _train_calls(calls)
    assert train[train.index("--finetune") + 1] == str(serving)
    assert train[train.index("--epoch-fraction") + 1] == "0.1"
    assert train[train.index("--data") + 1] == str(tmp_path / "project" / "data")
    assert train[train.index("--config") + 1] == str(tmp_path / "project" / "config.yml")
    validate = calls.read_text().splitlines()[0].split()
    assert validate[:2] == ["data", "validate"]
    assert validate[validate.index("--domain") + 1] == str(tmp_path / "project" / "domain.yml")


async def test_when_rasa_refuses_to_fine_tune_the_same_job_trains_from_scratch(
    sessions: async_sessionmaker[AsyncSession],
    publish_settings: PublishSettings,
    serving: Path,
    tmp_path: Path,
) -> None:
    publish_settings.rasa_bin, calls = _fake_rasa(tmp_path, finetune_ok=False)
    publish_settings.rasa_python = Path("/bin/false")
    error, mode = await _train(sessions, publish_settings, TrainingMode.QUICK)
    assert mode == "full"
    assert not error.startswith(("validate", "train"))  # the fall-back training worked
    first, second = _train_calls(calls)
    assert "--finetune" in first
    assert "--finetune" not in second
    assert "--epoch-fraction" not in second


async def test_a_full_retrain_never_fine_tunes(
    sessions: async_sessionmaker[AsyncSession],
    publish_settings: PublishSettings,
    serving: Path,
    tmp_path: Path,
) -> None:
    publish_settings.rasa_bin, calls = _fake_rasa(tmp_path, finetune_ok=True)
    publish_settings.rasa_python = Path("/bin/false")
    _, mode = await _train(sessions, publish_settings, TrainingMode.FULL)
    assert mode == "full"
    (train,) = _train_calls(calls)
    assert "--finetune" not in train


async def test_without_a_model_in_service_a_quick_retrain_fine_tunes_the_one_rasa_started_with(
    sessions: async_sessionmaker[AsyncSession], publish_settings: PublishSettings, tmp_path: Path
) -> None:
    publish_settings.rasa_bin, calls = _fake_rasa(tmp_path, finetune_ok=True)
    publish_settings.rasa_python = Path("/bin/false")
    started_with = tmp_path / "started.tar.gz"
    started_with.write_bytes(b"model")
    publish_settings.rasa_model = started_with
    await _train(sessions, publish_settings, TrainingMode.QUICK)
    (train,) = _train_calls(calls)
    assert train[train.index("--finetune") + 1] == str(started_with)

    publish_settings.rasa_model = tmp_path / "gone.tar.gz"  # nothing to fine-tune: from scratch
    calls.unlink()
    await _train(sessions, publish_settings, TrainingMode.QUICK)
    (train,) = _train_calls(calls)
    assert "--finetune" not in train
