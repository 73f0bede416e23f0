"""Closed-loop chat drivers: C concurrent chats, each sending N turns, the next one right after
the answer to the last. Every wait is bounded: a turn not answered within `turn_timeout_s` is
counted unanswered and the chat moves on; the whole phase stops at `phase_timeout_s`.

- stock Rasa: `POST /webhooks/rest/webhook`, latency = the HTTP round trip;
- product, Telegram: an update `POST`ed to `/telegram/webhook` (round-robin over the app
  instances, as a load balancer would) → the first `sendMessage` to that chat at the fake Bot
  API that is not the «busy» notice; the webhook's own acknowledgement time is kept apart;
- product, web chat: a message frame on `/chat/ws` → the first bot frame.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bench.load.stack import WEBHOOK_SECRET
from bot.texts import text as locale_text
from tests.adapters.fake_telegram import FakeTelegram, citizen_message

BUSY = locale_text("assistant_busy")


@dataclass
class Phase:
    """What one load phase measured."""

    system: str
    chats: int
    turns_per_chat: int
    latencies: list[float] = field(default_factory=list)  # seconds, answered turns only
    acks: list[float] = field(default_factory=list)  # webhook acknowledgement seconds
    sent: int = 0
    answered: int = 0
    busy_notices: int = 0
    wall_s: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)
    rss_mib: dict[str, float] = field(default_factory=dict)
    note: str = ""
    fresh: bool = False  # every turn opens a new conversation (the one-chat level)

    @property
    def throughput(self) -> float:
        """Answered turns per second of wall time."""
        return self.answered / self.wall_s if self.wall_s else 0.0


class RecordingTelegram(FakeTelegram):
    """The fake Bot API that also wakes whoever waits for a chat's next message."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: dict[str, asyncio.Queue[tuple[float, str]]] = {}
        self.messages: dict[str, list[str]] = {}  # every sendMessage text per chat, in order
        self.chat_actions = 0

    async def _handle(self, request: web.Request) -> web.Response:
        before = len(self.calls)
        response = await super()._handle(request)
        now = time.perf_counter()
        for call in self.calls[before:]:
            if call.method == "sendChatAction":
                self.chat_actions += 1
            if call.method != "sendMessage":
                continue
            chat = str(call.params.get("chat_id"))
            body = html.unescape(str(call.params.get("text", "")))
            self.messages.setdefault(chat, []).append(body)
            self.inbox.setdefault(chat, asyncio.Queue()).put_nowait((now, body))
        # the recorded calls are not needed again: keep memory flat over a soak
        del self.calls[before:]
        return response

    def queue(self, chat: str) -> asyncio.Queue[tuple[float, str]]:
        """Arrivals of sendMessage for one chat."""
        return self.inbox.setdefault(chat, asyncio.Queue())


Turn = Callable[[int, int], Awaitable[tuple[float, float, int] | None]]
"""(conversation index, turn index) → (latency s, ack s, busy notices) or None when unanswered."""


async def _run_chats(phase: Phase, turn: Turn, phase_timeout_s: float) -> None:
    """Each chat sends its turns one after the other; with `phase.fresh` every turn is sent as
    the first message of a new conversation (a citizen each), so the per-chat rate limit that
    Telegram asks for (about one message a second after a short burst) does not space them."""

    async def chat(index: int) -> None:
        for number in range(phase.turns_per_chat):
            phase.sent += 1
            conversation = index * phase.turns_per_chat + number if phase.fresh else index
            result = await turn(conversation, number)
            if result is not None:
                latency, ack, busy = result
                phase.latencies.append(latency)
                if ack >= 0:
                    phase.acks.append(ack)
                phase.busy_notices += busy
                phase.answered += 1

    started = time.perf_counter()
    tasks = [asyncio.create_task(chat(i)) for i in range(phase.chats)]
    _, pending = await asyncio.wait(tasks, timeout=phase_timeout_s)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    phase.wall_s = time.perf_counter() - started
    if pending:
        phase.note = f"{len(pending)} chats still waiting at the {phase_timeout_s:.0f} s limit"


def _connector(chats: int) -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(limit=max(100, chats + 10))


async def stock_phase(
    base: str,
    chats: int,
    turns: int,
    text: str,
    turn_timeout_s: float,
    phase_timeout_s: float,
    tag: str,
    fresh: bool = False,
) -> Phase:
    """Stock Rasa's REST channel."""
    phase = Phase("stock Rasa", chats, turns, fresh=fresh)
    timeout = aiohttp.ClientTimeout(total=turn_timeout_s)
    async with aiohttp.ClientSession(connector=_connector(chats), timeout=timeout) as http:

        async def turn(index: int, number: int) -> tuple[float, float, int] | None:
            started = time.perf_counter()
            try:
                async with http.post(
                    base + "/webhooks/rest/webhook",
                    json={"sender": f"{tag}-{index}", "message": text},
                ) as response:
                    answer = await response.json()
            except (aiohttp.ClientError, TimeoutError):
                return None
            return (time.perf_counter() - started, -1.0, 0) if answer else None

        await _run_chats(phase, turn, phase_timeout_s)
    return phase


class TelegramClient:
    """Posts citizens' updates to the app's webhook (round-robin over instances)."""

    def __init__(self, http: aiohttp.ClientSession, bases: list[str]) -> None:
        self.http = http
        self.bases = itertools.cycle(bases)
        self.update_ids = itertools.count(int(time.time() * 1000) % 1_000_000_000)

    async def post(self, chat: int, text: str, timeout_s: float) -> tuple[float, bool]:
        """Deliver one update, re-sent like Telegram on a non-200: (first try's s, 200 seen)."""
        update = citizen_message(next(self.update_ids), chat, text=text)
        body = json.dumps(update)
        headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
        deadline = time.perf_counter() + timeout_s
        first = -1.0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                async with self.http.post(
                    next(self.bases) + WEBHOOK_PATH, data=body, headers=headers
                ) as response:
                    if response.status == 200:
                        return (time.perf_counter() - started if first < 0 else first), True
            except (aiohttp.ClientError, TimeoutError):
                pass
            if first < 0:
                first = time.perf_counter() - started
            await asyncio.sleep(1.0)  # Telegram re-sends an update the webhook did not accept
        return first, False


def chat_number(tag: int, index: int) -> int:
    """A Telegram chat id unique to this phase."""
    return 7_000_000_000 + tag * 100_000 + index


async def telegram_phase(
    fake: RecordingTelegram,
    bases: list[str],
    chats: int,
    turns: int,
    text: Callable[[int], str],
    turn_timeout_s: float,
    phase_timeout_s: float,
    tag: int,
    system: str = "product, Telegram",
    fresh: bool = False,
) -> Phase:
    """The product's Telegram webhook → sendMessage at the fake Bot API."""
    phase = Phase(system, chats, turns, fresh=fresh)
    timeout = aiohttp.ClientTimeout(total=turn_timeout_s)
    async with aiohttp.ClientSession(connector=_connector(chats), timeout=timeout) as http:
        client = TelegramClient(http, bases)

        async def turn(index: int, number: int) -> tuple[float, float, int] | None:
            chat = chat_number(tag, index)
            queue = fake.queue(str(chat))
            while not queue.empty():  # late answers of an earlier turn belong to that turn
                queue.get_nowait()
            started = time.perf_counter()
            ack, _ = await client.post(chat, text(number), turn_timeout_s)
            busy = 0
            deadline = started + turn_timeout_s
            while True:
                try:
                    at, body = await asyncio.wait_for(queue.get(), deadline - time.perf_counter())
                except TimeoutError:
                    return None
                if body == BUSY:
                    busy += 1
                    continue
                return at - started, ack, busy

        await _run_chats(phase, turn, phase_timeout_s)
    return phase


async def webchat_phase(
    base: str,
    chats: int,
    turns: int,
    text: str,
    turn_timeout_s: float,
    phase_timeout_s: float,
    fresh: bool = False,
) -> Phase:
    """The product's web chat websocket: message frame → first bot frame."""
    phase = Phase("product, web chat", chats, turns, fresh=fresh)
    async with aiohttp.ClientSession(connector=_connector(chats)) as http:
        sockets: dict[int, aiohttp.ClientWebSocketResponse] = {}

        async def socket(index: int) -> aiohttp.ClientWebSocketResponse:
            if index not in sockets:
                sockets[index] = await http.ws_connect(
                    base + "/chat/ws", timeout=aiohttp.ClientWSTimeout(ws_close=5)
                )
                await _frame(sockets[index], lambda f: f.get("type") == "session", turn_timeout_s)
            return sockets[index]

        async def turn(index: int, number: int) -> tuple[float, float, int] | None:
            try:
                ws = await socket(index)
                started = time.perf_counter()
                await ws.send_json({"type": "message", "id": uuid.uuid4().hex, "text": text})
                busy = 0
                deadline = started + turn_timeout_s
                while True:
                    frame = await _frame(ws, _answer_or_error, deadline - time.perf_counter())
                    if frame.get("type") == "error":
                        raise ValueError(f"the web chat refused the frame: {frame}")
                    if frame.get("text") == BUSY:
                        busy += 1
                        continue
                    return time.perf_counter() - started, -1.0, busy
            except (aiohttp.ClientError, TimeoutError, ValueError):
                return None

        try:
            await _run_chats(phase, turn, phase_timeout_s)
        finally:
            await asyncio.gather(*(s.close() for s in sockets.values()), return_exceptions=True)
    return phase


def _answer_or_error(frame: dict[str, Any]) -> bool:
    return frame.get("type") == "error" or _is_bot(frame)


def _is_bot(frame: dict[str, Any]) -> bool:
    return (
        frame.get("type") == "message" and frame.get("author") == "bot" and not frame.get("replay")
    )


async def _frame(
    ws: aiohttp.ClientWebSocketResponse, wanted: Callable[[dict[str, Any]], bool], wait_s: float
) -> dict[str, Any]:
    async def loop() -> dict[str, Any]:
        while True:
            frame: dict[str, Any] = await ws.receive_json()
            if wanted(frame):
                return frame

    return await asyncio.wait_for(loop(), max(0.01, wait_s))
