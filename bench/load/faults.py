"""Faults during load: two app instances on a PostgreSQL of the bench's own + Redis, one Rasa.

Each scenario starts fresh chats talking (numbered turns: «привет #3», «статус заявления
1234567890 #4», «сайт не работает #5» — the last two need custom actions), injects one fault a
few seconds in, repairs it, lets every chat finish, drains, and then checks every turn twice:
in Rasa's saved history (each «#k» once, in order, followed by the bot's answer) and at the
fake Bot API (that answer delivered, once, in the chat's order; «busy» notices counted apart).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.load.drivers import BUSY, RecordingTelegram, TelegramClient, chat_number
from bench.load.options import Options
from bench.load.parts import fake_bot_api
from bench.load.stack import OwnPostgres, Product
from tests.support import RASA_TOKEN

TEXTS = ("привет", "статус заявления 1234567890", "сайт не работает")
NUMBER = re.compile(r"#(\d+)\s*$")
FAULT_AT_S = 4.0
DOWN_S = 5.0
QUIET_S = 15.0


def turn_text(number: int) -> str:
    """The numbered text of turn `number`."""
    return f"{TEXTS[number % len(TEXTS)]} #{number}"


def _norm(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Counts:
    """What happened to the turns of one scenario."""

    sent: int = 0
    accepted: int = 0  # the webhook answered 200 (after Telegram-like re-sends)
    answered_once: int = 0
    answered_after_busy: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    busy_notices: int = 0
    history_gaps: int = 0  # a delivered answer whose turn is missing from Rasa's saved history
    details: list[str] = field(default_factory=list)


async def _drive(
    fake: RecordingTelegram, product: Product, options: Options, tag: int, counts: Counts
) -> dict[int, set[int]]:
    """Every chat sends its turns one after another; returns the turns that saw a busy notice."""
    chats, turns = options.fault_chats
    busy_turns: dict[int, set[int]] = {}
    wait_s = options.fault_deadline_s / 2
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        client = TelegramClient(http, product.app_bases())

        async def chat(index: int) -> None:
            chat_id = chat_number(tag, index)
            queue = fake.queue(str(chat_id))
            for number in range(turns):
                counts.sent += 1
                _, accepted = await client.post(chat_id, turn_text(number), wait_s)
                counts.accepted += accepted
                deadline = time.perf_counter() + wait_s
                while time.perf_counter() < deadline:
                    try:
                        _, body = await asyncio.wait_for(
                            queue.get(), deadline - time.perf_counter()
                        )
                    except TimeoutError:
                        break
                    if body != BUSY:
                        break
                    busy_turns.setdefault(chat_id, set()).add(number)

        await asyncio.gather(*(chat(i) for i in range(chats)))
    return busy_turns


async def _drain(fake: RecordingTelegram, chat_ids: list[int], deadline: float) -> None:
    """Until no message reached these chats for QUIET_S (or the deadline)."""

    def total() -> int:
        return sum(len(fake.messages.get(str(c), [])) for c in chat_ids)

    last, quiet_since = total(), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - quiet_since < QUIET_S:
        await asyncio.sleep(1)
        if total() != last:
            last, quiet_since = total(), time.monotonic()


async def _history(http: aiohttp.ClientSession, rasa: str, chat_id: int) -> list[dict[str, Any]]:
    url = f"{rasa}/conversations/telegram:{chat_id}/tracker"
    async with http.get(url, params={"token": RASA_TOKEN}) as response:
        response.raise_for_status()
        events: list[dict[str, Any]] = (await response.json()).get("events", [])
    return events


def visible_text(event: dict[str, Any]) -> str:
    """The text a citizen sees for one bot event (a phone request carries it in its payload)."""
    custom = (event.get("data") or {}).get("custom") or {}
    request = custom.get("request_contact") if isinstance(custom, dict) else None
    text = event.get("text") or (request.get("text") if isinstance(request, dict) else None)
    return str(text or "")


def assess_chat(
    events: list[dict[str, Any]], delivered: list[str], turns: int, busy: set[int], counts: Counts
) -> None:
    """Classify one chat's turns from Rasa's history and the messages the fake received."""
    answers: dict[int, list[str]] = {}
    order: list[int] = []
    current: int | None = None
    for event in events:
        if event.get("event") == "user":
            match = NUMBER.search(str(event.get("text") or ""))
            current = int(match.group(1)) if match else None
            if current is not None:
                order.append(current)
                answers.setdefault(current, [])
        elif event.get("event") == "bot" and current is not None and visible_text(event):
            answers[current].append(_norm(visible_text(event)))
    seen = Counter(order)
    counts.duplicated += sum(n - 1 for n in seen.values() if n > 1)
    counts.out_of_order += sum(1 for a, b in itertools.pairwise(order) if b < a)
    stream = " ".join(_norm(t) for t in delivered if t != BUSY)
    counts.busy_notices += sum(1 for t in delivered if t == BUSY)
    cursor = 0
    expected: Counter[str] = Counter()
    for number in range(turns):
        texts = answers.get(number)
        if not texts:
            counts.lost += 1
            counts.details.append(f"turn #{number}: no answer in Rasa's history")
            continue
        found = True
        for text in texts:
            expected[text] += 1
            at = stream.find(text, cursor)
            if at < 0:
                if stream.find(text) >= 0:
                    counts.out_of_order += 1
                else:
                    found = False
                continue
            cursor = at + len(text)
        if not found:
            counts.lost += 1
            counts.details.append(f"turn #{number}: answer never reached the Bot API")
        elif number in busy:
            counts.answered_after_busy += 1
        else:
            counts.answered_once += 1
    counts.duplicated += sum(max(0, stream.count(t) - n) for t, n in expected.items())
    if len(order) < turns and len([t for t in delivered if t != BUSY]) > sum(
        len(v) for v in answers.values()
    ):
        counts.history_gaps += turns - len(order)


Fault = Callable[[], Awaitable[str]]


async def faults(options: Options) -> dict[str, Any]:
    """Run every scenario; the counts per scenario."""
    logs = options.logs / "faults"
    logs.mkdir(parents=True, exist_ok=True)
    postgres = OwnPostgres(logs)
    results: dict[str, Any] = {"scenarios": [], "chats": options.fault_chats}
    await asyncio.to_thread(postgres.init)
    await asyncio.to_thread(postgres.start)
    try:
        database = await asyncio.to_thread(postgres.database)
        async with fake_bot_api() as fake:
            product = Product(logs, database, fake.base_url, rasas=1, apps=2)
            try:
                await asyncio.to_thread(product.start)
                rasa = product.by_name("rasa")[0]
                actions = product.by_name("actions")[0]

                async def restart(service_name: str, signal_name: str) -> str:
                    import signal  # noqa: PLC0415

                    service = next(s for s in product.services if s.name == service_name)
                    service.kill(signal.Signals[signal_name])
                    await asyncio.sleep(DOWN_S)
                    took = await asyncio.to_thread(service.start, 600)
                    return f"{signal_name} to {service_name}, back in {took:.0f} s"

                async def restart_postgres() -> str:
                    await asyncio.to_thread(postgres.stop, "immediate")
                    await asyncio.sleep(DOWN_S)
                    started = time.monotonic()
                    await asyncio.to_thread(postgres.start)
                    up = time.monotonic() - started
                    return (
                        f"pg_ctl stop -m immediate; started after {DOWN_S:.0f} s, up in {up:.0f} s"
                    )

                async def burst(status: int) -> str:
                    if status == 429:
                        fake.fail(429, times=30, retry_after=1)
                    else:
                        fake.fail(status, times=30)
                    return f"the next 30 Bot API calls answer {status}"

                scenarios: list[tuple[str, Fault]] = [
                    ("no fault (baseline)", _nothing),
                    ("Rasa killed (SIGKILL), restarted", lambda: restart(rasa.name, "SIGKILL")),
                    ("action server killed, restarted", lambda: restart(actions.name, "SIGKILL")),
                    (
                        "one of two app instances killed (SIGKILL), restarted",
                        lambda: restart("app-2", "SIGKILL"),
                    ),
                    (
                        "one of two app instances stopped (SIGTERM), restarted",
                        lambda: restart("app-2", "SIGTERM"),
                    ),
                    ("PostgreSQL restarted (-m immediate)", restart_postgres),
                    ("Bot API 429 burst", lambda: burst(429)),
                    ("Bot API 5xx burst", lambda: burst(500)),
                ]
                for tag_offset, (name, fault) in enumerate(scenarios):
                    row = await _scenario(
                        options,
                        fake,
                        product,
                        name,
                        fault,
                        9000 + tag_offset * 10 + int(time.time()) % 10,
                    )
                    print(f"  {name}: {row}", flush=True)
                    results["scenarios"].append(row)
            finally:
                await asyncio.to_thread(product.stop)
    finally:
        await asyncio.to_thread(postgres.remove)
    return results


async def _nothing() -> str:
    return "none"


async def _scenario(
    options: Options, fake: RecordingTelegram, product: Product, name: str, fault: Fault, tag: int
) -> dict[str, Any]:
    counts = Counts()
    deadline = time.monotonic() + options.fault_deadline_s
    chats, turns = options.fault_chats
    chat_ids = [chat_number(tag, i) for i in range(chats)]
    load = asyncio.create_task(_drive(fake, product, options, tag, counts))
    await asyncio.sleep(FAULT_AT_S)
    what = await fault()
    try:
        busy = await asyncio.wait_for(load, max(1.0, deadline - time.monotonic()))
    except TimeoutError:
        busy = {}
        counts.details.append("the load did not finish before the scenario's deadline")
    await _drain(fake, chat_ids, deadline)
    raw: dict[str, Any] = {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        for chat_id in chat_ids:
            events = await _history(http, product.rasa_url(), chat_id)
            raw[str(chat_id)] = {"events": events, "delivered": fake.messages.get(str(chat_id), [])}
            assess_chat(
                events, fake.messages.get(str(chat_id), []), turns, busy.get(chat_id, set()), counts
            )
    dump = options.logs / "faults" / f"scenario-{tag}.json"
    dump.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return {
        "scenario": name,
        "fault": what,
        "sent": counts.sent,
        "accepted": counts.accepted,
        "answered_once": counts.answered_once,
        "answered_after_busy": counts.answered_after_busy,
        "lost": counts.lost,
        "duplicated": counts.duplicated,
        "out_of_order": counts.out_of_order,
        "busy_notices": counts.busy_notices,
        "history_gaps": counts.history_gaps,
        "details": counts.details[:10],
    }
