"""The app's own cost per turn, with Rasa out of the picture.

`python -m bot` (Telegram webhook → router → outbox → fake Bot API) in its own process, exactly
as the product runs, but pointed at a stand-in that answers Rasa's app-channel webhook at once
with one text reply, so everything the app's process spends is its own work. Prints the app's
CPU per answered turn (utime + stime from /proc), throughput and latency, and with `--spy`
samples the app with py-spy (GIL held) and prints where the time goes.

Usage: .venv/bin/python bench/app_turn.py [--chats 50] [--turns 10] [--database sqlite|postgres]
          [--spy]

This isolates the app; the side-by-side comparison with stock Rasa (real Rasa behind both) is
the `load` part of `make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import drivers
from bench.load.measure import settle, summary
from bench.load.parts import fake_bot_api
from bench.load.procs import Service
from bench.load.profile import top_functions
from bench.load.stack import (
    app_service,
    drop,
    machine_postgres,
    migrate,
    sqlite_database,
)
from tests.support import ROOT, free_port

REPLY = "Здравствуйте! Я Госпомощник — помогу с входом на портал и статусом заявления."


async def _rasa_stand_in() -> tuple[web.AppRunner, str]:
    """Answers `POST /webhooks/app/webhook` and `GET /status` the way rasa_server's channel does."""

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(
            {
                "messages": [{"recipient_id": body["sender"], "text": REPLY}],
                "intent": {"name": "greet", "confidence": 0.99},
            }
        )

    async def status(_: web.Request) -> web.Response:
        return web.json_response({"model_file": "stand-in.tar.gz"})

    app = web.Application()
    app.router.add_post("/webhooks/app/webhook", webhook)
    app.router.add_get("/status", status)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


async def run(args: argparse.Namespace, logs: Path) -> dict[str, Any]:
    """Start the app on the stand-in, warm it up, measure one phase."""
    database = machine_postgres() if args.database == "postgres" else sqlite_database(logs)
    runner, rasa_url = await _rasa_stand_in()
    try:
        await asyncio.to_thread(migrate, database.app_url, logs / "migrate.log")
        async with fake_bot_api() as fake:
            app, _ = app_service(logs, 0, database.app_url, [rasa_url], fake.base_url)
            await asyncio.to_thread(app.start, 120)
            try:
                await drivers.telegram_phase(fake, app_bases(app), 10, 3, _text, 30, 60, 1)
                await settle([app])
                idle_before = app.cpu()
                await asyncio.sleep(args.idle_seconds)
                idle = (app.cpu() - idle_before) / args.idle_seconds
                cpu_before = app.cpu()
                spy = await _spy(app, logs, args) if args.spy else None
                phase = await drivers.telegram_phase(
                    fake, app_bases(app), args.chats, args.turns, _text, 30, 120, 2
                )
                cpu = app.cpu() - cpu_before
                if spy is not None:
                    await asyncio.wait_for(spy.wait(), args.spy_seconds + 30)
                row = summary(phase)
                row["app_cpu_ms_per_turn"] = round(1000 * cpu / max(1, row["answered"]), 2)
                row["idle_cpu_ms_per_s"] = round(1000 * idle, 1)
                return row
            finally:
                await asyncio.to_thread(app.stop)
    finally:
        await runner.cleanup()
        await asyncio.to_thread(drop, database)


def app_bases(app: Service) -> list[str]:
    """The app's base URL (from its ready URL)."""
    assert app.ready_url
    return [app.ready_url.removesuffix("/healthz")]


def _text(_: int) -> str:
    return "привет"


async def _spy(app: Service, logs: Path, args: argparse.Namespace) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        str(ROOT / ".venv/bin/py-spy"), "record", "--pid", str(app.pid), "--rate", "500",
        "--duration", str(args.spy_seconds), "--format", "raw", "--gil", "--nonblocking",
        "--output", str(logs / "app-turn.txt"), stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def main() -> None:
    """Parse the arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--turns", type=int, default=10)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--spy", action="store_true", help="sample the app with py-spy")
    parser.add_argument("--spy-seconds", type=int, default=20)
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="idle CPU measured first")
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    logs = Path(tempfile.mkdtemp(prefix="app-turn-", dir=ROOT / "var"))
    started = time.monotonic()
    row = asyncio.run(run(args, logs))
    print(
        f"{args.database}: {row['answered']}/{row['sent']} answered, {row['throughput']} turns/s, "
        f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, webhook ack p95 {row['ack_p95_ms']} ms, "
        f"app CPU {row['app_cpu_ms_per_turn']} ms/turn, idle {row['idle_cpu_ms_per_s']} ms/s "
        f"({time.monotonic() - started:.0f} s; "
        f"logs in {logs})"
    )
    stacks = logs / "app-turn.txt"
    if args.spy and stacks.exists():
        top = top_functions(stacks, 500, row["answered"], limit=30)  # the window holds the phase
        print(json.dumps(top, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
