"""A supervisor in a real browser manages the ready answers operators insert into replies.

Debian's headless chromium (Playwright) drives `/console` of the app (no workers, no Rasa) on a
freshly migrated SQLite database. The supervisor finds the answers content/canned.yml seeded, adds
one, edits it, cancels a deletion, deletes it; the reply picker follows every change.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import ConsoleMessage, Page, expect
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import create_app
from bot.settings import Settings
from bot.storage import create_engine, create_session_factory, session_scope
from handoff.models import CannedResponse, Operator, Role
from handoff.operators.auth import hash_password
from tests.e2e.browser import LAPTOP, chromium_page
from tests.support import ROOT, unique_name

pytestmark = pytest.mark.browser

SUPERVISOR_NAME = "Ольга Супервизорова"
TITLE = "Очистить кэш браузера"
TEXT = "Очистите, пожалуйста, кэш браузера (Ctrl+Shift+Delete) и обновите страницу."
NEW_TITLE = "Кэш и обновление страницы"


@pytest.fixture
def migrated_database(tmp_path: Path) -> str:
    """An empty SQLite database migrated with Alembic, as a new installation has."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'canned.db'}"
    env = {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    python = str(ROOT / ".venv/bin/python")
    subprocess.run([python, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
    return url


@pytest.fixture
async def console_server(migrated_database: str) -> AsyncIterator[TestServer]:
    """The app's console and API; Rasa is never called, so it needs no Rasa."""
    settings = Settings(
        _env_file=None,
        database_url=migrated_database,
        rasa_url="http://127.0.0.1:9",
        rasa_token=SecretStr("t"),
    )
    server = TestServer(await create_app(settings, run_workers=False), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def _add_supervisor(database_url: str, login: str, password: str) -> None:
    engine = create_engine(database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            session.add(
                Operator(
                    login=login,
                    name=SUPERVISOR_NAME,
                    password_hash=hash_password(password),
                    role=Role.SUPERVISOR,
                )
            )
    finally:
        await engine.dispose()


async def _stored_titles(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return set(await session.scalars(select(CannedResponse.title)))
    finally:
        await engine.dispose()


async def _log_in(page: Page, login: str, password: str) -> None:
    form = page.locator("#login-form")
    await form.get_by_label("Логин").fill(login)
    await form.get_by_label("Пароль").fill(password)
    await form.get_by_role("button", name="Войти").click()
    await expect(page.locator("#me-name")).to_have_text(SUPERVISOR_NAME)


async def test_supervisor_adds_edits_and_deletes_a_ready_answer(
    console_server: TestServer, migrated_database: str, tmp_path: Path
) -> None:
    login, password = unique_name("sup"), secrets.token_urlsafe(16)
    await _add_supervisor(migrated_database, login, password)
    console_errors: list[str] = []  # the 401 of `GET /api/me` before logging in is expected
    page_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    async with chromium_page(LAPTOP) as page:
        page.on("console", on_console)
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        await page.goto(str(console_server.make_url("/console")))
        await _log_in(page, login, password)

        await page.get_by_role("tab", name="Шаблоны").click()
        board = page.get_by_role("tabpanel", name="Шаблоны")
        table = board.get_by_role("table", name="Шаблоны ответов")
        # a new installation starts with the answers of content/canned.yml
        hotline = table.get_by_role("row").filter(has_text="Горячая линия")
        await expect(hotline).to_contain_text("Все группы")
        await expect(hotline).to_contain_text("8 800 100-70-10")
        picker = page.locator("#canned option")
        seeded = await picker.count()

        await board.get_by_role("button", name="Добавить шаблон").click()
        dialog = page.get_by_role("dialog", name="Новый шаблон")
        await dialog.get_by_label("Название").fill(TITLE)
        await dialog.get_by_label("Группа").select_option(label="Технические сбои")
        await dialog.get_by_label("Текст ответа").fill(TEXT)
        await dialog.get_by_role("button", name="Сохранить").click()
        await expect(dialog).to_be_hidden()
        row = table.get_by_role("row").filter(has_text=TITLE)
        await expect(row).to_contain_text("Технические сбои")
        await expect(row).to_contain_text(TEXT)
        await expect(picker).to_have_count(seeded + 1)
        await expect(page.locator("#canned option", has_text=TITLE)).to_have_count(1)

        await table.get_by_role("button", name=f"Изменить шаблон: {TITLE}").click()
        dialog = page.get_by_role("dialog", name="Изменить шаблон")
        await expect(dialog.get_by_label("Текст ответа")).to_have_value(TEXT)
        await expect(dialog.get_by_label("Группа")).to_have_value("technical")
        await dialog.get_by_label("Название").fill(NEW_TITLE)
        await dialog.get_by_label("Группа").select_option(label="Все группы")
        await dialog.get_by_role("button", name="Сохранить").click()
        await expect(dialog).to_be_hidden()
        row = table.get_by_role("row").filter(has_text=NEW_TITLE)
        await expect(row).to_contain_text("Все группы")
        await expect(table.get_by_role("row").filter(has_text=TITLE)).to_have_count(0)
        await expect(page.locator("#canned option", has_text=NEW_TITLE)).to_have_count(1)

        # deleting asks first; «Отмена» keeps the answer
        await table.get_by_role("button", name=f"Удалить шаблон: {NEW_TITLE}").click()
        confirm = page.get_by_role("dialog", name="Удалить шаблон")
        await expect(confirm).to_contain_text(f"«{NEW_TITLE}»")
        await confirm.get_by_role("button", name="Отмена").click()
        await expect(confirm).to_be_hidden()
        await expect(row).to_have_count(1)
        await table.get_by_role("button", name=f"Удалить шаблон: {NEW_TITLE}").click()
        await confirm.get_by_role("button", name="Удалить").click()
        await expect(confirm).to_be_hidden()
        await expect(row).to_have_count(0)
        await expect(page.get_by_role("status").filter(has_text="удалён")).to_have_count(1)
        await expect(picker).to_have_count(seeded)
        await page.screenshot(path=str(tmp_path / "canned.png"), full_page=True)

    titles = await _stored_titles(migrated_database)
    assert NEW_TITLE not in titles
    assert "Горячая линия" in titles
    assert page_errors == [], "the page's scripts threw"
    assert [e for e in console_errors if "Content Security Policy" in e] == []
