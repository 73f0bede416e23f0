"""Knobs of training and publishing, read from the environment (and `.env`) once."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import PROJECT_ROOT


class PublishSettings(BaseSettings):
    """Where models live, how Rasa is run, and how much worse a candidate may be."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    models_dir: Path = Field(default=Path("models"), description="trained models (MODELS_DIR)")
    rasa_bin: Path = Field(default=Path(".venv-rasa/bin/rasa"), description="Rasa's CLI")
    training_root: Path = Field(
        default=PROJECT_ROOT,
        description="where `data/`, `domain.yml` and `config.yml` are trained from (TRAINING_ROOT)",
    )
    rasa_model: Path | None = Field(
        default=None,
        description="the model Rasa was started with (RASA_MODEL): what a quick retrain fine-tunes "
        "while the registry knows no serving model",
    )
    finetune_epoch_fraction: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="a quick retrain runs this fraction of config.yml's epochs, starting from the "
        "serving model's weights",
    )
    rasa_python: Path = Field(default=Path(".venv-rasa/bin/python"), description="Rasa's Python")
    internal_host: str = Field(default="127.0.0.1", description="where a published Rasa listens")
    endpoints: Path = Field(default=Path("endpoints.yml"), description="the Rasa endpoints file")
    credentials: Path = Field(
        default=Path("credentials.yml"), description="the Rasa input channels (the app's one)"
    )
    eval_sets: list[Path] = Field(
        default=[
            Path("tests/data/test_nlu.yml"),
            Path("tests/data/test_nlu_fresh.yml"),
            Path("tests/data/test_nlu_blind.yml"),
        ],
        description="held-out NLU sets the gate compares on (never training data)",
    )
    gate_strict_sets: list[Path] = Field(
        default=[],
        description="sets scored besides eval_sets of which a candidate may lose no phrase the "
        "serving model answers right, e.g. tests/data/test_nlu_pinned.yml (the phrases the "
        "dialogue depends on); off by default, see docs/publishing.md",
    )
    gate_overall_tolerance: float = Field(
        default=0.01, description="the share of all held-out phrases a candidate may lose"
    )
    gate_intent_recall_tolerance: float = Field(
        default=0.05, description="the share of one intent's held-out phrases it may lose"
    )
    gate_min_lost_phrases: int = Field(
        default=4,
        ge=0,
        description="losses of this many phrases or fewer are within two trainings' noise (a "
        "sign test first calls 5 lost phrases, with none gained, real: 0.5^5 = 3 %)",
    )
    training_lease_s: float = Field(
        default=60.0, description="the training lease, renewed while training runs"
    )
    rasa_start_timeout_s: float = Field(
        default=600.0, description="how long a new Rasa may take to load its model"
    )
    drain_s: float = Field(
        default=15.0,
        description="after the switch, how long the old Rasa keeps running for turns in flight "
        "(more than the followers' poll interval plus RASA_TIMEOUT_S)",
    )
    follow_interval_s: float = Field(
        default=2.0, description="how often each app instance reads the serving choice"
    )


def rasa_env() -> dict[str, str]:
    """The environment of every Rasa process publishing starts (train, evaluate, serve): the
    pipeline's own components (`nlu/`) importable whatever the working directory, and no
    telemetry (nothing leaves the machine)."""
    paths = [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "RASA_TELEMETRY_ENABLED": "false"}
