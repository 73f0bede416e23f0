"""In production (APP_ENV=production or a PUBLIC_URL) no development default secret may run."""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest
from pydantic import SecretStr

from bot.settings import Settings, production_problems
from tests.support import ROOT

STRONG = {
    "rasa_token": SecretStr("r" * 32),
    "action_server_token": SecretStr("a" * 32),
    "session_secret": SecretStr("s" * 32),
    "facts_signing_key": SecretStr("f" * 32),
}
VARIABLES = {
    "rasa_token": "RASA_TOKEN",
    "action_server_token": "ACTION_SERVER_TOKEN",
    "session_secret": "SESSION_SECRET",
    "facts_signing_key": "FACTS_SIGNING_KEY",
}
DEFAULTS = {name: Settings.model_fields[name].default for name in VARIABLES}


def settings(**values: Any) -> Settings:
    """Settings from exactly these values and the defaults (the environment plays no part)."""
    return Settings.model_validate(values)


def test_development_runs_with_the_defaults() -> None:
    assert production_problems(settings(**DEFAULTS)) == []


def test_production_with_secrets_of_its_own_starts() -> None:
    assert production_problems(settings(app_env="production", **STRONG)) == []


@pytest.mark.parametrize("name", list(VARIABLES))
@pytest.mark.parametrize("switch", [{"app_env": "production"}, {"public_url": "https://x.test"}])
def test_each_default_secret_is_refused_in_production_by_name(
    name: str, switch: dict[str, str]
) -> None:
    problems = production_problems(settings(**{**STRONG, name: DEFAULTS[name]}, **switch))
    assert len(problems) == 1
    assert problems[0].startswith(VARIABLES[name])


def test_a_short_secret_is_refused_in_production() -> None:
    short = settings(app_env="production", **{**STRONG, "rasa_token": SecretStr("short")})
    assert production_problems(short) == ["RASA_TOKEN is shorter than 24 characters"]


@pytest.mark.parametrize("command", [["bot"], ["actions.server", "--port", "0"]])
def test_the_app_and_the_action_server_refuse_to_start_with_a_default(command: list[str]) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PUBLIC_URL": "https://bot.example.test",
        "RASA_TOKEN": "r" * 32,
        "ACTION_SERVER_TOKEN": "a" * 32,
        "SESSION_SECRET": "s" * 32,
        "FACTS_SIGNING_KEY": DEFAULTS["facts_signing_key"].get_secret_value(),
    }
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-m", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "FACTS_SIGNING_KEY" in done.stdout + done.stderr
