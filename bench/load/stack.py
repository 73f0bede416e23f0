"""The systems under test: stock Rasa, and the product (actions, Rasa ×n, app ×m) on a database.

Secrets, ports and the model come from tests.support, so the bench starts the processes the
way the end-to-end tests do. A PostgreSQL the bench needs is either a database it creates on
the machine's server (and drops) or a server of its own (`initdb` + `pg_ctl` in a temp dir on a
free port, run as the `postgres` user), never the machine's service itself.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.load.procs import Service, wait_ready
from bot.settings import Settings
from tests.support import (
    ACTION_SERVER_TOKEN,
    FACTS_SIGNING_KEY,
    RASA_TOKEN,
    ROOT,
    TEST_SECRETS,
    free_port,
    model_path,
    unique_name,
)

BOT_TOKEN = "123456:AAE-bench-token_abcdefghijklmnopqrstu"
WEBHOOK_SECRET = "bench-secret"
REDIS_URL = "redis://127.0.0.1:6379/7"
STOCK_DIR = ROOT / "var" / "bench" / "stock"
MACHINE_PG = "postgresql://postgres@127.0.0.1:5432/test"


def has_rasa_urls() -> bool:
    """Whether this checkout's app spreads turns over several Rasa servers (RASA_URLS)."""
    return "rasa_urls" in Settings.model_fields


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every process the bench starts."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("RASA_", "DATABASE", "TELEGRAM"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_TELEMETRY_ENABLED="false",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        **TEST_SECRETS,
    )
    env.update(extra or {})
    return env


def ensure_stock_model(log: Path) -> tuple[Path, float | None]:
    """The `rasa init` bot's model, trained once into var/bench/stock (and seconds if just now)."""
    models = sorted((STOCK_DIR / "models").glob("*.tar.gz"))
    if models:
        return models[-1], None
    STOCK_DIR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("ab") as out:
        subprocess.run(
            [
                str(ROOT / ".venv-rasa/bin/rasa"),
                "init",
                "--no-prompt",
                "--init-dir",
                str(STOCK_DIR),
            ],
            cwd=STOCK_DIR.parent,
            env=base_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    return sorted((STOCK_DIR / "models").glob("*.tar.gz"))[-1], time.monotonic() - started


def stock_rasa(logs: Path, model: Path) -> Service:
    """Stock Rasa serving the `rasa init` bot on its REST channel."""
    port = free_port()
    return Service(
        name="stock-rasa",
        argv=[
            str(ROOT / ".venv-rasa/bin/rasa"),
            "run",
            "--enable-api",
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
            "--model",
            str(model),
        ],
        env=base_env(),
        log_path=logs / "stock-rasa.log",
        cwd=STOCK_DIR,
        ready_url=f"http://127.0.0.1:{port}/status",
    )


def migrate(database_url: str, log: Path) -> None:
    """Alembic migrations and the demo data, as `make run` does."""
    env = base_env({"DATABASE_URL": database_url})
    python = str(ROOT / ".venv/bin/python")
    with log.open("ab") as out:
        for argv in (["-m", "alembic", "upgrade", "head"], ["-m", "actions.demo", "--if-empty"]):
            subprocess.run(
                [python, *argv], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=True
            )


@dataclass
class Database:
    """Where the product keeps its state, and Rasa its trackers."""

    app_url: str
    tracker_yaml: str  # Rasa's tracker_store section
    lock_yaml: str = ""  # Rasa's lock_store section ("" = in memory)
    cleanup: list[str] = field(default_factory=list)  # databases to drop on the machine's server


def sqlite_database(folder: Path) -> Database:
    """SQLite files in `folder`, as `make run` uses."""
    return Database(
        app_url=f"sqlite+aiosqlite:///{folder / 'app.db'}",
        tracker_yaml=(
            f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {folder / 'tracker.db'}\n"
        ),
    )


def postgres_database(host: str, port: int, name: str, redis_db: int = 5) -> Database:
    """The app on `<name>`, Rasa's trackers on `<name>_tracker`, Rasa's locks in Redis."""
    return Database(
        app_url=f"postgresql+asyncpg://postgres@{host}:{port}/{name}",
        tracker_yaml=(
            "tracker_store:\n  type: SQL\n  dialect: postgresql\n"
            f"  url: {host}\n  port: {port}\n  db: {name}_tracker\n  username: postgres\n"
        ),
        lock_yaml=f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: 6379\n  db: {redis_db}\n",
    )


async def _admin(dsn: str, *statements: str) -> None:
    import asyncpg  # noqa: PLC0415 - only PostgreSQL parts need it

    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def machine_postgres() -> Database:
    """Two fresh databases on the machine's PostgreSQL (127.0.0.1:5432); dropped by `drop`."""
    name = unique_name("gp_bench")
    asyncio.run(
        _admin(MACHINE_PG, f'CREATE DATABASE "{name}"', f'CREATE DATABASE "{name}_tracker"')
    )
    database = postgres_database("127.0.0.1", 5432, name)
    database.cleanup = [name, f"{name}_tracker"]
    return database


def drop(database: Database) -> None:
    """Drop the databases the bench created on the machine's server."""
    if database.cleanup:
        asyncio.run(
            _admin(
                MACHINE_PG,
                *(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in database.cleanup),
            )
        )


class OwnPostgres:
    """A PostgreSQL server of the bench's own: initdb in a temp dir, pg_ctl on a free port."""

    def __init__(self, logs: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gp-bench-pg-"))
        self.port = free_port()
        self.log = logs / "own-postgres.log"
        shutil.chown(self.dir, "postgres", "postgres")
        self.log.touch()
        shutil.chown(self.log, "postgres", "postgres")

    def _as_postgres(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*prefix, *argv], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )

    def init(self) -> None:
        """Create the cluster (trust on loopback, like the machine's test server)."""
        self._as_postgres("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            "pg_ctl",
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """`pg_ctl stop -m <mode>` (`immediate` is a crash without a clean shutdown)."""
        self._as_postgres("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "stop")

    def pid(self) -> int:
        """The postmaster's pid (0 when stopped)."""
        try:
            return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0

    def database(self) -> Database:
        """Two databases on this server for the product and Rasa's trackers."""
        name = "gp_bench"
        dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        asyncio.run(_admin(dsn, f'CREATE DATABASE "{name}"', f'CREATE DATABASE "{name}_tracker"'))
        return postgres_database("127.0.0.1", self.port, name, redis_db=6)

    def remove(self) -> None:
        """Stop (if running) and delete the cluster."""
        if self.pid():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def app_service(
    logs: Path,
    index: int,
    database_url: str,
    rasa_urls: list[str],
    telegram_url: str,
    extra: dict[str, str] | None = None,
) -> tuple[Service, int]:
    """One app instance (`python -m bot`) on loopback, talking to the fake Bot API; its port.

    `extra`: more of the app's settings (the action server, Redis)."""
    port = free_port()
    env = base_env(
        {
            "DATABASE_URL": database_url,
            "RASA_URL": rasa_urls[0],
            "RASA_URLS": ",".join(rasa_urls),
            "RASA_TOKEN": RASA_TOKEN,
            "FACTS_SIGNING_KEY": FACTS_SIGNING_KEY,
            "APP_HOST": "127.0.0.1",
            "APP_PORT": str(port),
            "INSTANCE_NAME": f"app-{index + 1}",
            "TELEGRAM_TOKEN": BOT_TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TELEGRAM_API_URL": telegram_url,
            "LOG_LEVEL": "WARNING",
            **(extra or {}),
        }
    )
    service = Service(
        name=f"app-{index + 1}",
        argv=[str(ROOT / ".venv/bin/python"), "-m", "bot"],
        env=env,
        log_path=logs / f"app-{index + 1}.log",
        cwd=ROOT,
        ready_url=f"http://127.0.0.1:{port}/healthz",
    )
    return service, port


@dataclass
class Product:
    """The product's processes: one action server, `rasa` Rasa servers, `apps` app instances."""

    logs: Path
    database: Database
    fake_telegram_url: str
    rasas: int = 1
    apps: int = 1
    services: list[Service] = field(default_factory=list)
    app_ports: list[int] = field(default_factory=list)
    action_url: str = ""

    def by_name(self, prefix: str) -> list[Service]:
        """Services whose name starts with prefix (`rasa`, `app`, `actions`)."""
        return [s for s in self.services if s.name.startswith(prefix)]

    def start(self) -> dict[str, float]:
        """Migrate, start everything, and return each service's start-up seconds."""
        started = self.start_backend()
        started.update(self.start_apps(self.apps, self.rasas))
        return started

    def start_backend(self) -> dict[str, float]:
        """Migrations, the action server and every Rasa (loading their models side by side)."""
        migrate(self.database.app_url, self.logs / "migrate.log")
        started: dict[str, float] = {}
        action_port = free_port()
        self.action_url = f"http://127.0.0.1:{action_port}"
        actions = Service(
            name="actions",
            argv=[
                str(ROOT / ".venv/bin/python"),
                "-m",
                "actions.server",
                "--port",
                str(action_port),
            ],
            env=base_env({"DATABASE_URL": self.database.app_url}),
            log_path=self.logs / "actions.log",
            cwd=ROOT,
            ready_url=f"{self.action_url}/health",
        )
        self.services.append(actions)
        started["actions"] = actions.start(120)
        for index in range(self.rasas):
            rasa = self._rasa(index, self.action_url)
            self.services.append(rasa)
            rasa.start(0)
        for rasa in self.by_name("rasa"):
            assert rasa.ready_url
            assert rasa.process
            wait_ready(rasa.ready_url, 600, rasa.process)
            started[rasa.name] = time.monotonic() - rasa.started_at
        return started

    def rasa_urls(self, count: int) -> list[str]:
        """Base URLs of the first `count` Rasa servers."""
        return [
            r.ready_url.split("/status")[0] for r in self.by_name("rasa")[:count] if r.ready_url
        ]

    def start_apps(self, count: int, rasas: int) -> dict[str, float]:
        """Start `count` app instances spreading turns over the first `rasas` Rasa servers."""
        self.stop_apps()
        self.apps = count
        started = {}
        for index in range(count):
            app = self._app(index, self.rasa_urls(rasas), self.action_url)
            self.services.append(app)
            started[app.name] = app.start(120)
        return started

    def stop_apps(self) -> None:
        """Stop every app instance (SIGTERM, as a deploy would)."""
        for app in self.by_name("app"):
            app.stop()
            self.services.remove(app)
        self.app_ports.clear()

    def app_bases(self) -> list[str]:
        """Base URLs of the app instances."""
        return [f"http://127.0.0.1:{port}" for port in self.app_ports]

    def _rasa(self, index: int, action_url: str) -> Service:
        workdir = self.logs / f"rasa-{index + 1}"
        workdir.mkdir(exist_ok=True)
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "{action_url}/webhook"\n  token: "{ACTION_SERVER_TOKEN}"\n'
            + self.database.tracker_yaml
            + self.database.lock_yaml,
            encoding="utf-8",
        )
        port = free_port()
        return Service(
            name=f"rasa-{index + 1}",
            argv=[
                str(ROOT / ".venv-rasa/bin/rasa"),
                "run",
                "--enable-api",
                "--auth-token",
                RASA_TOKEN,
                "--port",
                str(port),
                "--interface",
                "127.0.0.1",
                "--model",
                str(model_path()),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(ROOT / "credentials.yml"),
            ],
            env=base_env(),
            log_path=self.logs / f"rasa-{index + 1}.log",
            cwd=ROOT,
            ready_url=f"http://127.0.0.1:{port}/status?token={RASA_TOKEN}",
        )

    def _app(self, index: int, rasa_urls: list[str], action_url: str) -> Service:
        extra = {"ACTION_SERVER_URL": action_url, "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN}
        if self.apps > 1 or self.database.lock_yaml:
            extra["REDIS_URL"] = REDIS_URL
        service, port = app_service(
            self.logs, index, self.database.app_url, rasa_urls, self.fake_telegram_url, extra
        )
        self.app_ports.append(port)
        return service

    def rasa_url(self) -> str:
        """The first Rasa's base URL (for tracker reads)."""
        rasa = self.by_name("rasa")[0]
        assert rasa.ready_url
        return rasa.ready_url.split("/status")[0]

    def stop(self) -> None:
        """Stop every service, apps first."""
        for service in reversed(self.services):
            service.stop()
