"""Test helpers: real databases (SQLite file, PostgreSQL), real Rasa and action-server processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.inbox import Inbox
from bot.messages import InboundMessage, OutboundMessage
from bot.models import Conversation, TranscriptEntry
from bot.outbox import Outbox
from bot.storage import session_scope, utcnow
from review.models import ReviewReason
from review.queue import enqueue

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"
RASA_TOKEN = "test-rasa-token"
ACTION_SERVER_TOKEN = "test-action-server-token"
FACTS_SIGNING_KEY = "test-facts-signing-key"
# Every process a test starts, and every Settings() made in the test process, uses these
# (tests/conftest.py puts them in the environment, where they beat a developer's `.env`).
TEST_SECRETS = {
    "RASA_TOKEN": RASA_TOKEN,
    "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
    "FACTS_SIGNING_KEY": FACTS_SIGNING_KEY,
}


def in_ci() -> bool:
    """CI must fail, never skip, when a service it needs is missing."""
    return os.environ.get("CI", "").lower() == "true"


def unavailable(what: str) -> None:
    """Fail under CI, skip on a developer machine."""
    message = f"{what} is not reachable"
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something listens there."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


async def create_postgres_database() -> str:
    """Create a fresh, empty PostgreSQL database; returns its name."""
    import asyncpg  # noqa: PLC0415 - only the PostgreSQL tests need it

    name = unique_name("gp_test")
    try:
        connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError):
        unavailable("PostgreSQL at 127.0.0.1:5432")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name


async def drop_postgres_database(name: str) -> None:
    """Drop a database made by create_postgres_database."""
    import asyncpg  # noqa: PLC0415

    connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def model_path() -> Path:
    """The trained model `make test` built (RASA_MODEL), else the newest one in models/."""
    given = os.environ.get("RASA_MODEL")
    if given and (ROOT / given).exists():
        return ROOT / given
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("no trained model: run `make train`", pytrace=False)
    return models[-1]


def wait_http(url: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until the URL answers 200 (or the process died)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(url)


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false",
            **TEST_SECRETS,
        }
    )
    env.update(extra)
    return env


@contextmanager
def action_server(database_url: str, log_path: Path) -> Iterator[str]:
    """The real action server (`python -m actions.server`) on a free port."""
    port = free_port()
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [str(ROOT / ".venv/bin/python"), "-m", "actions.server", "--port", str(port)],
            cwd=ROOT,
            env=_env({"DATABASE_URL": database_url}),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/health", 60, process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(15)


class RasaProcess:
    """A real `rasa run` with the trained model; can be killed and started again."""

    def __init__(self, workdir: Path, action_url: str, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.endpoints = workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "{action_url}/webhook"\n  token: "{ACTION_SERVER_TOKEN}"\n'
            f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n",
            encoding="utf-8",
        )
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> None:
        """Start and (by default) wait until the model is loaded."""
        log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv-rasa/bin/rasa"),
                "run",
                "--enable-api",
                "--auth-token",
                RASA_TOKEN,
                "--port",
                str(self.port),
                "--interface",
                "127.0.0.1",
                "--model",
                str(model_path()),
                "--endpoints",
                str(self.endpoints),
                "--credentials",
                str(ROOT / "credentials.yml"),
            ],
            cwd=ROOT,
            env=_env({}),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout_s: float = 240) -> None:
        """Wait for the model to be loaded."""
        wait_http(f"{self.url}/status?token={RASA_TOKEN}", timeout_s, self.process)

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(15)


def unique_name(prefix: str) -> str:
    """A short unique identifier for databases and chats."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def pii_findings(paths: list[Path]) -> list[str]:
    """Lines of the given files that contain the demo citizens' phones, e-mails or СНИЛС."""
    from actions import demo  # noqa: PLC0415 - the generator owns the demo identities

    secrets = [
        demo.DEMO_CITIZEN_PHONE[2:],
        demo.OTHER_CITIZEN_PHONE[2:],
        demo.DEMO_CITIZEN_EMAIL,
        demo.DEMO_CITIZEN_SNILS,
        demo.DEMO_CITIZEN_NAME,
    ]
    findings = []
    for path in paths:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            for secret in secrets:
                if secret in line:
                    findings.append(f"{path.name}:{number}: contains personal data")
    return findings


async def seed_replies(
    outbox: Outbox,
    sessions: async_sessionmaker[AsyncSession],
    channel: str,
    chat_id: str,
    count: int,
    *,
    twice: bool = False,
) -> None:
    """A conversation with `count` replies «ответ N» queued; `twice` enqueues each again."""
    await Inbox(sessions).accept(
        InboundMessage(
            channel=channel, chat_id=chat_id, user_id=chat_id, external_id="seed", text="привет"
        )
    )
    async with session_scope(sessions) as session:
        for i in range(count):
            for _ in range(2 if twice else 1):
                await outbox.enqueue(
                    session,
                    conversation_id=f"{channel}:{chat_id}",
                    channel=channel,
                    chat_id=chat_id,
                    message=OutboundMessage(text=f"ответ {i}"),
                    dedupe_key=f"k{i}",
                )


async def queue_doubts(
    sessions: async_sessionmaker[AsyncSession],
    conversation_id: str,
    texts: list[str],
    *,
    confidence: float,
    bot_reply: str | None = None,
) -> None:
    """A web chat whose citizen lines (each answered with `bot_reply`, if given) all fell under
    the fallback and wait in the review queue."""
    chat_id = conversation_id.removeprefix("webchat:")
    async with session_scope(sessions) as session:
        session.add(Conversation(id=conversation_id, channel="webchat", chat_id=chat_id))
        await session.flush()
        for text in texts:
            line = TranscriptEntry(conversation_id=conversation_id, author="citizen", text=text)
            session.add(line)
            if bot_reply is not None:
                session.add(
                    TranscriptEntry(conversation_id=conversation_id, author="bot", text=bot_reply)
                )
            await session.flush()
            await enqueue(
                session,
                raw_text=text,
                reason=ReviewReason.FALLBACK,
                channel="webchat",
                conversation_id=conversation_id,
                line_id=line.id,
                intent="nlu_fallback",
                confidence=confidence,
                now=utcnow(),
            )
