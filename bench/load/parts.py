"""The load, scale-out and soak parts: start the systems, run phases, return JSON-ready results."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bench.load import drivers
from bench.load.drivers import RecordingTelegram
from bench.load.measure import measured, settle, summary
from bench.load.options import Options
from bench.load.stack import (
    Product,
    drop,
    ensure_stock_model,
    has_rasa_urls,
    machine_postgres,
    sqlite_database,
    stock_rasa,
)
from tests.support import ROOT

GREETING = "привет"


@contextlib.asynccontextmanager
async def fake_bot_api() -> AsyncIterator[RecordingTelegram]:
    """The fake Bot API in this process's loop."""
    fake = RecordingTelegram()
    fake.base_url = await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


def _phase_tags() -> int:
    return int(time.time()) % 10_000


async def load(options: Options) -> dict[str, Any]:
    """Stock Rasa against the product (Telegram and web chat) at each concurrency, interleaved."""
    logs = options.logs / "load"
    logs.mkdir(parents=True, exist_ok=True)
    stock_model, stock_train_s = await asyncio.to_thread(
        ensure_stock_model, logs / "stock-init.log"
    )
    stock = stock_rasa(logs, stock_model)
    results: dict[str, Any] = {"phases": [], "stock_train_s": stock_train_s}
    async with fake_bot_api() as fake:
        product = Product(logs, sqlite_database(logs), fake.base_url)
        try:
            # both load their models side by side (start-up is measured apart, in `training`)
            stock_start, product_start = await asyncio.gather(
                asyncio.to_thread(stock.start, 900), asyncio.to_thread(product.start)
            )
            results["stock_start_s"], results["product_start_s"] = stock_start, product_start
            stock_base = stock.ready_url.rsplit("/status", 1)[0] if stock.ready_url else ""
            app_base = product.app_bases()[0]
            tag = _phase_tags()
            # warm-up: the first turns load lazily on both sides; not counted
            await drivers.stock_phase(stock_base, 2, 2, GREETING, 60, 120, "warm")
            await drivers.telegram_phase(fake, [app_base], 2, 2, lambda _: GREETING, 60, 120, tag)
            await drivers.webchat_phase(app_base, 2, 2, GREETING, 60, 120)
            mine = product.services
            for round_no in range(options.rounds):
                for chats, turns in options.levels:
                    tag += 1
                    # one chat = one citizen after another, as the issue measured it: a new
                    # conversation per turn on every side (a same-chat closed loop measures
                    # Telegram's one-message-a-second per chat, which the product keeps)
                    fresh = chats == 1
                    for phase in (
                        measured(
                            [stock],
                            drivers.stock_phase(
                                stock_base,
                                chats,
                                turns,
                                GREETING,
                                options.turn_timeout_s,
                                options.phase_timeout_s,
                                f"s{tag}",
                                fresh,
                            ),
                        ),
                        measured(
                            mine,
                            drivers.telegram_phase(
                                fake,
                                [app_base],
                                chats,
                                turns,
                                lambda _: GREETING,
                                options.turn_timeout_s,
                                options.phase_timeout_s,
                                tag,
                                fresh=fresh,
                            ),
                        ),
                        measured(
                            mine,
                            drivers.webchat_phase(
                                app_base,
                                chats,
                                turns,
                                GREETING,
                                options.turn_timeout_s,
                                options.phase_timeout_s,
                                fresh,
                            ),
                        ),
                    ):
                        row = summary(await phase)
                        row["round"] = round_no + 1
                        print(_line(row), flush=True)
                        results["phases"].append(row)
                        await settle([stock, *mine], options.phase_timeout_s * 2)
            await settle(product.services)
            results["profile"] = await _profile(options, fake, product, tag + 1)
            results["chat_actions"] = fake.chat_actions
            results["messages"] = sum(len(m) for m in fake.messages.values())
        finally:
            await asyncio.to_thread(product.stop)
            await asyncio.to_thread(stock.stop)
    return results


async def _profile(
    options: Options, fake: RecordingTelegram, product: Product, tag: int
) -> dict[str, Any]:
    """py-spy samples the app (only while it holds the GIL: its own Python work) while 50
    Telegram chats talk to it; turns are counted as the replies that reached the fake."""
    app = product.by_name("app")[0]
    out = options.logs / "profile-app.txt"
    chats, turns = (50, 3) if options.quick else (50, 10)
    duration = 30 if options.quick else 60
    delivered_before = sum(len(m) for m in fake.messages.values())
    cpu_before = app.cpu()
    spy = await asyncio.create_subprocess_exec(
        str(ROOT / ".venv/bin/py-spy"), "record", "--pid", str(app.pid), "--rate", "200",
        "--duration", str(duration), "--format", "raw", "--gil", "--nonblocking",
        "--output", str(out), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    phase = await drivers.telegram_phase(
        fake, product.app_bases(), chats, turns, lambda _: GREETING,
        options.turn_timeout_s, float(duration), tag,
    )  # fmt: skip
    phase_cpu = app.cpu() - cpu_before
    await asyncio.wait_for(spy.wait(), duration + 30)
    replies = sum(len(m) for m in fake.messages.values()) - delivered_before
    return {
        "stacks": str(out) if out.exists() else None,
        "command": f"py-spy record --pid <app> --rate 200 --duration {duration} --format raw "
        "--gil --nonblocking",
        "duration_s": duration,
        "rate_hz": 200,
        "answered": replies,
        "app_cpu_s": app.cpu() - cpu_before,
        "phase_app_cpu_s": phase_cpu,  # while the chats talked (the window also holds idle time)
        "phase": summary(phase),
    }


async def profile(options: Options) -> dict[str, Any]:
    """The app alone (SQLite, one Rasa) under 50 Telegram chats, sampled by py-spy."""
    logs = options.logs / "profile"
    logs.mkdir(parents=True, exist_ok=True)
    async with fake_bot_api() as fake:
        product = Product(logs, sqlite_database(logs), fake.base_url)
        try:
            await asyncio.to_thread(product.start)
            bases = product.app_bases()
            await drivers.telegram_phase(fake, bases, 5, 2, lambda _: GREETING, 60, 120, 1)
            await settle(product.services)
            return await _profile(options, fake, product, _phase_tags() + 7000)
        finally:
            await asyncio.to_thread(product.stop)


def _line(row: dict[str, Any]) -> str:
    return (
        f"  {row['system']:<20} {row['chats']:>4} chats × {row['turns_per_chat']}"
        f"{' (new chat per turn)' if row.get('fresh') else ''}: "
        f"{row['answered']}/{row['sent']} answered, {row['throughput']} turns/s, "
        f"p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, "
        f"CPU {row['cpu_ms_per_turn_total']} ms/turn" + (f" ({row['note']})" if row["note"] else "")
    )


async def scale(options: Options) -> dict[str, Any]:
    """The product on PostgreSQL + Redis with 1 or 2 Rasa servers and 1 or 2 app instances."""
    logs = options.logs / "scale"
    logs.mkdir(parents=True, exist_ok=True)
    database = await asyncio.to_thread(machine_postgres)
    results: dict[str, Any] = {"phases": [], "rasa_urls_supported": has_rasa_urls()}
    rasas = max(r for r, _ in options.scale_configs)
    async with fake_bot_api() as fake:
        product = Product(logs, database, fake.base_url, rasas=rasas, apps=0)
        try:
            results["backend_start_s"] = await asyncio.to_thread(product.start_backend)
            tag = _phase_tags() + 5000
            for rasa_count, app_count in options.scale_configs:
                await asyncio.to_thread(product.start_apps, app_count, rasa_count)
                await settle(product.services)
                bases = product.app_bases()
                await drivers.telegram_phase(fake, bases, 4, 1, lambda _: GREETING, 60, 120, tag)
                used = [s for s in product.services if not s.name.startswith("rasa")]
                used += product.by_name("rasa")[:rasa_count]
                for chats, turns in options.scale_levels:
                    tag += 1
                    phase = await measured(
                        used,
                        drivers.telegram_phase(
                            fake,
                            bases,
                            chats,
                            turns,
                            lambda _: GREETING,
                            options.turn_timeout_s,
                            options.phase_timeout_s,
                            tag,
                            system=f"{rasa_count} Rasa × {app_count} app",
                        ),
                    )
                    row = summary(phase)
                    row.update(rasas=rasa_count, apps=app_count)
                    if rasa_count > 1 and not results["rasa_urls_supported"]:
                        row["note"] = (
                            row["note"] + "; " if row["note"] else ""
                        ) + "needs RASA_URLS"
                    print(_line(row), flush=True)
                    results["phases"].append(row)
                    await settle(product.services)
        finally:
            await asyncio.to_thread(product.stop)
            await asyncio.to_thread(drop, database)
    return results


async def soak(options: Options) -> dict[str, Any]:
    """Chats talking without pause for `--soak-minutes`; memory of each process over time."""
    logs = options.logs / "soak"
    logs.mkdir(parents=True, exist_ok=True)
    duration = options.soak_minutes * 60
    samples: list[dict[str, Any]] = []
    async with fake_bot_api() as fake:
        product = Product(logs, sqlite_database(logs), fake.base_url)
        try:
            await asyncio.to_thread(product.start)
            bases = product.app_bases()
            started = time.monotonic()

            async def sample() -> None:
                while True:
                    samples.append(
                        {"t_s": round(time.monotonic() - started, 1)}
                        | {s.name: round(s.rss(), 1) for s in product.services}
                    )
                    await asyncio.sleep(options.soak_sample_s)

            sampler = asyncio.create_task(sample())
            turns_per_chat = 100_000  # bounded by the phase's time, not its count
            phase = await measured(
                product.services,
                drivers.telegram_phase(
                    fake,
                    bases,
                    options.soak_chats,
                    turns_per_chat,
                    lambda n: [
                        "привет",
                        "статус заявления 1234567890",
                        "сайт не работает",
                        "спасибо",
                    ][n % 4],
                    options.turn_timeout_s,
                    duration,
                    _phase_tags() + 8000,
                    system="soak",
                ),
            )
            sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sampler
            samples.append(
                {"t_s": round(time.monotonic() - started, 1)}
                | {s.name: round(s.rss(), 1) for s in product.services}
            )
        finally:
            await asyncio.to_thread(product.stop)
    row = summary(phase)
    row["note"] = ""
    return {
        "minutes": options.soak_minutes,
        "chats": options.soak_chats,
        "phase": row,
        "samples": samples,
    }


def write_log_index(logs: Path) -> list[str]:
    """Relative paths of the logs of this run (for the README's pointer)."""
    return sorted(str(p.relative_to(logs)) for p in logs.rglob("*.log"))
