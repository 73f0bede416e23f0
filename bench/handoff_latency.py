"""Handoff latency, both ways, against the real Rasa and action server.

(a) request → console: from the citizen's «позовите оператора» (a Telegram update posted to the
    webhook) to the first queue push on an operator's console websocket that lists the chat;
(b) reply → citizen: from the operator's `POST /api/chats/{id}/messages` to the fake Bot API
    server receiving the `sendMessage` with that text.

Usage: .venv/bin/python bench/handoff_latency.py [-n 20]
A scratch SQLite database (migrations + demo data), the action server and Rasa start like the
end-to-end tests start them (tests.support); the app runs in this process with its default
settings, Telegram aimed at the fake Bot API (tests.adapters.fake_telegram). One warm-up round
is not counted. The operator is "away", so chats wait in the queue until the bench takes them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import secrets
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select

from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.app import create_app
from bot.settings import Settings
from bot.storage import create_engine, create_session_factory, session_scope
from handoff.config import load_config, seed_groups
from handoff.models import Operator, OperatorGroup, OperatorMembership, Role
from handoff.operators.auth import hash_password
from tests.adapters.fake_telegram import FakeTelegram, citizen_message
from tests.support import RASA_TOKEN, ROOT, RasaProcess, action_server, free_port

BOT_TOKEN = "123456:AAE-bench-token_abcdefghijklmnopqrstu"
WEBHOOK_SECRET = "bench-secret"
ALWAYS_OPEN = {
    kind: {"open": "00:00", "close": "24:00"} for kind in ("weekday", "weekend", "holiday")
}
WAIT_S = 60.0
SAME_CHAT_GAP_S = 1.1  # the Telegram sender's per-chat spacing (adapters/ratelimit.py), plus slack


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def report(name: str, seconds: list[float]) -> None:
    """One line: p50 / p95 / max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    print(
        f"{name}: n={len(ms)} p50={statistics.median(ms):.0f} ms "
        f"p95={percentile(ms, 0.95):.0f} ms max={max(ms):.0f} ms"
    )


def prepare_database(folder: Path) -> str:
    """A migrated SQLite database with the demo data, as the end-to-end tests use."""
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    env = {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    python = str(ROOT / ".venv/bin/python")
    subprocess.run([python, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "-m", "actions.demo", "--if-empty"], cwd=ROOT, env=env, check=True)
    return url


async def add_operator(database_url: str, login: str, password: str) -> None:
    """An operator of every group; groups open around the clock so the bench hour never matters."""
    engine = create_engine(database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            await seed_groups(session, load_config(ROOT / "content" / "handoff.yml"))
            groups = list(await session.scalars(select(OperatorGroup)))
            for group in groups:
                group.hours = ALWAYS_OPEN
            operator = Operator(
                login=login, name="Бенч", password_hash=hash_password(password), role=Role.OPERATOR
            )
            session.add(operator)
            await session.flush()
            session.add_all(
                OperatorMembership(operator_id=operator.id, group_code=g.code) for g in groups
            )
    finally:
        await engine.dispose()


class ConsoleWatcher:
    """Reads the operator's websocket and notes when each chat id first appeared in a push."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.first_seen: dict[int, float] = {}
        self.changed = asyncio.Event()

    async def run(self) -> None:
        """Until the socket closes."""
        async for frame in self.socket:
            if frame.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(frame.data)
            if data.get("type") != "queue":
                continue
            now = time.perf_counter()
            for chat in data.get("chats", []):
                self.first_seen.setdefault(int(chat["id"]), now)
            self.changed.set()

    async def new_chat(self, known: set[int]) -> tuple[int, float]:
        """The first chat not in `known` that a push listed, and when it arrived."""
        async with asyncio.timeout(WAIT_S):
            while True:
                fresh = [cid for cid in self.first_seen if cid not in known]
                if fresh:
                    return fresh[0], self.first_seen[fresh[0]]
                self.changed.clear()
                await self.changed.wait()


class TelegramWatcher:
    """Notes when each Bot API call reached the fake server (checked every millisecond)."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.arrivals: list[tuple[float, str, dict[str, Any]]] = []

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            calls = self.fake.calls
            now = time.perf_counter()
            for call in calls[len(self.arrivals) :]:
                self.arrivals.append((now, call.method, call.params))
            await asyncio.sleep(0.001)

    async def received(self, chat: int, wanted: Any, after: float = 0.0) -> float:
        """When the first sendMessage to `chat` since `after` that `wanted` accepts arrived."""
        async with asyncio.timeout(WAIT_S):
            while True:
                for at, method, params in list(self.arrivals):
                    to_chat = str(params.get("chat_id")) == str(chat)
                    if at >= after and method == "sendMessage" and to_chat and wanted(params):
                        return at
                await asyncio.sleep(0.001)


async def post_update(http: aiohttp.ClientSession, base: str, chat: int, text: str) -> None:
    """Telegram delivers the citizen's message to the webhook."""
    update = citizen_message(secrets.randbelow(2**31), chat, text=text)
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    async with http.post(base + WEBHOOK_PATH, data=json.dumps(update), headers=headers) as r:
        r.raise_for_status()


def button_titles(params: dict[str, Any]) -> list[str]:
    """Titles of the inline keyboard of a sendMessage."""
    markup = params.get("reply_markup")
    markup = json.loads(markup) if isinstance(markup, str) else markup or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def has_rating_buttons(params: dict[str, Any]) -> bool:
    """The rating question: an inline keyboard of 1…5."""
    return button_titles(params) == ["1", "2", "3", "4", "5"]


def is_queue_notice(params: dict[str, Any]) -> bool:
    """The citizen's place in the queue, with the «leave the queue» button."""
    return "Выйти из очереди" in button_titles(params)


async def measure(database_url: str, rasa_url: str, rounds: int) -> None:
    """Start the app, log an operator in, and time `rounds` handoffs (after one warm-up)."""
    fake = FakeTelegram()
    fake.base_url = await fake.start()
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        rasa_url=rasa_url,
        rasa_token=RASA_TOKEN,
        telegram_token=SecretStr(BOT_TOKEN),
        telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
        telegram_api_url=fake.base_url,
    )
    runner = web.AppRunner(await create_app(settings))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    login, password = "bench", secrets.token_urlsafe(16)
    await add_operator(database_url, login, password)
    to_console: list[float] = []
    to_notice: list[float] = []
    to_citizen: list[float] = []
    telegram = TelegramWatcher(fake)
    arrivals = asyncio.create_task(telegram.run())
    jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of a loopback IP
    try:
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            async with http.post(
                base + "/api/login", json={"login": login, "password": password}
            ) as r:
                r.raise_for_status()
                csrf = {"X-CSRF-Token": (await r.json())["csrf_token"]}
            async with http.put(
                base + "/api/me/presence", json={"presence": "away"}, headers=csrf
            ) as r:
                r.raise_for_status()
            async with http.get(base + "/api/meta") as r:
                resolution = (await r.json())["resolutions"][0]["code"]
            socket = await http.ws_connect(base + "/api/ws", origin=base)
            watcher = ConsoleWatcher(socket)
            reader = asyncio.create_task(watcher.run())
            await asyncio.sleep(1.5)  # the first push lists what already waits
            for round_no in range(rounds + 1):
                chat = 8_000_000 + round_no * 1000 + secrets.randbelow(1000)
                known = set(watcher.first_seen)
                started = time.perf_counter()
                await post_update(http, base, chat, "позовите оператора")
                chat_id, seen_at = await watcher.new_chat(known)
                told_at = await telegram.received(chat, is_queue_notice)
                took = time.perf_counter()
                async with http.post(f"{base}/api/chats/{chat_id}/take", headers=csrf) as r:
                    r.raise_for_status()
                # Telegram allows about one message a second per chat (the sender spaces them):
                # reply once the "operator joined" notice is out, as a person reading would
                joined = await telegram.received(chat, lambda _: True, after=took)
                await asyncio.sleep(max(0.0, joined + SAME_CHAT_GAP_S - time.perf_counter()))
                text = f"Здравствуйте, это оператор. Ответ № {round_no}."
                replied = time.perf_counter()
                async with http.post(
                    f"{base}/api/chats/{chat_id}/messages", json={"text": text}, headers=csrf
                ) as r:
                    r.raise_for_status()
                delivered = await telegram.received(chat, lambda p, t=text: p.get("text") == t)
                async with http.post(
                    f"{base}/api/chats/{chat_id}/close",
                    json={"resolution": resolution},
                    headers=csrf,
                ) as r:
                    r.raise_for_status()
                await telegram.received(chat, has_rating_buttons)  # Rasa is done before the next
                if round_no == 0:
                    continue  # warm-up: first Rasa turns load lazily
                to_console.append(seen_at - started)
                to_notice.append(told_at - started)
                to_citizen.append(delivered - replied)
            await socket.close()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    finally:
        arrivals.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await arrivals
        await runner.cleanup()
        await fake.close()
    assert fake.violations == [], fake.violations
    report("(a) citizen request -> console queue push", to_console)
    report("    citizen request -> queue notice at Telegram (same turn, for comparison)", to_notice)
    report("(b) operator reply  -> Telegram sendMessage", to_citizen)


def main() -> None:
    """Parse arguments, start the services, run the rounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="handoff-bench-") as scratch:
        folder = Path(scratch)
        database_url = prepare_database(folder)
        with action_server(database_url, folder / "actions.log") as actions_url:
            rasa = RasaProcess(folder, actions_url, folder / "rasa.log")
            started = time.monotonic()
            rasa.start()
            print(f"rasa ready in {time.monotonic() - started:.0f} s; {args.rounds} rounds")
            try:
                asyncio.run(measure(database_url, rasa.url, args.rounds))
            finally:
                rasa.kill()


if __name__ == "__main__":
    main()
