"""An operator in a real browser answers a Telegram citizen who asked for a person.

Debian's headless chromium (Playwright) drives `/console`; the citizen writes over the fake Bot
API server through the real Rasa and action server. The operator logs in, steps away (so the chat
waits in the queue instead of being auto-assigned), sees the chat arrive without reloading, takes
it, replies, closes it with a resolution, and the citizen is asked to rate the help.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import ConsoleMessage, Page, expect
from pydantic import SecretStr
from sqlalchemy import select

from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.app import create_app
from bot.settings import Settings
from bot.storage import create_engine, create_session_factory, session_scope
from handoff.config import load_config, seed_groups
from handoff.models import HandoffChat, Operator, OperatorGroup, OperatorMembership, Role
from handoff.operators.auth import hash_password
from tests.adapters.fake_telegram import FakeTelegram, citizen_message
from tests.e2e.browser import LAPTOP, chromium_page
from tests.support import RASA_TOKEN, ROOT, RasaProcess, unique_name

pytestmark = pytest.mark.browser

BOT_TOKEN = "123456:AAE-console-token_abcdefghijklmnopq"
WEBHOOK_SECRET = "console-e2e-secret"
ALWAYS_OPEN = {
    kind: {"open": "00:00", "close": "24:00"} for kind in ("weekday", "weekend", "holiday")
}
OPERATOR_NAME = "Анна Операторова"
REPLY = "Здравствуйте! Меня зовут Анна, я оператор. Сейчас помогу восстановить доступ."
_update_ids = itertools.count(int(time.time()))


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API; the test ends with no call that the real API would refuse."""
    fake = FakeTelegram()
    fake.base_url = await fake.start()
    yield fake
    await fake.close()
    assert fake.violations == []


@pytest.fixture
async def console_server(
    rasa: RasaProcess, demo_database: str, fake_telegram: FakeTelegram
) -> AsyncIterator[TestServer]:
    """The whole app with the Telegram channel aimed at the fake Bot API."""
    settings = Settings(
        _env_file=None,
        database_url=demo_database,
        rasa_url=rasa.url,
        rasa_token=RASA_TOKEN,
        router_poll_interval_s=0.2,
        retry_backoff_max_s=1.0,
        rasa_timeout_s=20,
        telegram_token=SecretStr(BOT_TOKEN),
        telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
        telegram_api_url=fake_telegram.base_url,
    )
    server = TestServer(await create_app(settings), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def _add_operator(database_url: str, login: str, password: str) -> None:
    """An operator of every group, whose groups work around the clock (the test's hour varies)."""
    engine = create_engine(database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            await seed_groups(session, load_config(ROOT / "content" / "handoff.yml"))
            groups = list(await session.scalars(select(OperatorGroup)))
            for group in groups:
                group.hours = ALWAYS_OPEN
            operator = Operator(
                login=login,
                name=OPERATOR_NAME,
                password_hash=hash_password(password),
                role=Role.OPERATOR,
                max_chats=3,
            )
            session.add(operator)
            await session.flush()
            session.add_all(
                OperatorMembership(operator_id=operator.id, group_code=g.code) for g in groups
            )
    finally:
        await engine.dispose()


async def _chat_number(database_url: str, telegram_chat: int, wait_s: float = 60) -> str:
    """The number of the handoff chat the citizen's request opened."""
    engine = create_engine(database_url)
    deadline = time.monotonic() + wait_s
    try:
        while time.monotonic() < deadline:
            async with create_session_factory(engine)() as session:
                number = await session.scalar(
                    select(HandoffChat.number).where(
                        HandoffChat.channel == "telegram",
                        HandoffChat.chat_id == str(telegram_chat),
                    )
                )
            if number is not None:
                return number
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
    raise AssertionError("the citizen's request opened no handoff chat")


async def _citizen_writes(server: TestServer, telegram_chat: int, text: str) -> None:
    """Telegram delivers one message of the citizen to the webhook."""
    update = citizen_message(next(_update_ids), telegram_chat, text=text)
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(server.make_url(WEBHOOK_PATH), data=json.dumps(update), headers=headers) as r,
    ):
        assert r.status == 200


def _buttons(params: dict[str, Any]) -> list[str]:
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    rows = (markup or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def _received(
    fake: FakeTelegram, telegram_chat: int, wanted: Any, wait_s: float = 60
) -> dict[str, Any]:
    """The first sendMessage to the citizen's chat that `wanted(params)` accepts."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        for params in fake.sent("sendMessage"):
            if str(params.get("chat_id")) == str(telegram_chat) and wanted(params):
                return params
        await asyncio.sleep(0.1)
    texts = [
        p.get("text")
        for p in fake.sent("sendMessage")
        if str(p.get("chat_id")) == str(telegram_chat)
    ]
    raise AssertionError(f"the citizen did not receive it; they got {texts}")


async def _log_in(page: Page, login: str, password: str) -> None:
    form = page.locator("#login-form")
    await form.get_by_label("Логин").fill(login)
    await form.get_by_label("Пароль").fill(password)
    await form.get_by_role("button", name="Войти").click()
    await expect(page.locator("#me-name")).to_have_text(OPERATOR_NAME)
    await expect(page.locator("#connection")).to_have_text("На связи", timeout=15_000)


async def test_operator_takes_a_telegram_chat_live_replies_and_closes_it(
    console_server: TestServer, demo_database: str, fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    login, password = unique_name("op"), secrets.token_urlsafe(16)
    await _add_operator(demo_database, login, password)
    telegram_chat = 7_000_000 + secrets.randbelow(1_000_000)
    policy_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            policy_errors.append(message.text)

    async with chromium_page(LAPTOP) as page:
        page.on("console", on_console)
        await page.goto(str(console_server.make_url("/console")))

        # a wrong password is refused with a message the operator understands
        form = page.locator("#login-form")
        await form.get_by_label("Логин").fill(login)
        await form.get_by_label("Пароль").fill("not-the-password")
        await form.get_by_role("button", name="Войти").click()
        await expect(page.get_by_role("alert")).to_have_text("Неверный логин или пароль.")

        await _log_in(page, login, password)
        away = page.get_by_role("radio", name="Отошёл")
        await away.check()
        await expect(away).to_be_checked()
        await expect(page.get_by_role("status").filter(has_text="Статус: Отошёл")).to_have_count(1)

        # the citizen asks for a person; the chat appears in the open console without a reload
        await _citizen_writes(console_server, telegram_chat, "позовите оператора")
        number = await _chat_number(demo_database, telegram_chat)
        queued = page.locator("#queue-list .chat-item").filter(has_text=f"№ {number}")
        await expect(queued).to_be_visible(timeout=10_000)
        await expect(queued).to_contain_text("Telegram")
        await expect(queued.locator(".chat-item__wait")).to_have_text(re.compile(r"^\d+:\d\d$"))
        told = await _received(
            fake_telegram, telegram_chat, lambda p: "Выйти из очереди" in _buttons(p)
        )
        assert "очеред" in told["text"].lower()

        await page.get_by_role("button", name=f"Взять чат № {number}").click()
        await expect(page.locator("#chat-title")).to_have_text(f"Чат № {number}")
        await expect(page.locator("#mine-list")).to_contain_text(f"№ {number}")
        transcript = page.get_by_role("log", name="Переписка")
        citizen_line = transcript.locator(".line--citizen").filter(has_text="позовите оператора")
        await expect(citizen_line).to_contain_text("бот распознал: request_operator")
        await expect(transcript.locator(".line--bot").first).to_be_visible()

        reply = page.get_by_label("Ответ гражданину")
        await reply.fill(REPLY)
        await reply.press("Enter")
        await expect(transcript.locator(".line--operator")).to_contain_text(REPLY)
        await expect(reply).to_have_value("")
        await _received(fake_telegram, telegram_chat, lambda p: p.get("text") == REPLY, 20)

        await page.get_by_role("button", name="Закрыть", exact=True).click()
        dialog = page.get_by_role("dialog", name="Закрыть чат")
        await dialog.get_by_label("Результат").select_option(label="Решено")
        await dialog.get_by_role("button", name="Закрыть чат").click()
        await expect(page.locator("#chat-state")).to_contain_text("Закрыт")
        await expect(page.locator("#mine-list")).not_to_contain_text(f"№ {number}")
        await page.screenshot(path=str(tmp_path / "console.png"), full_page=True)

    rating = await _received(
        fake_telegram, telegram_chat, lambda p: _buttons(p) == ["1", "2", "3", "4", "5"]
    )
    assert "оцените" in rating["text"].lower()
    assert [e for e in policy_errors if "Content Security Policy" in e] == []
