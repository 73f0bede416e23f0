"""axe-core (the copy inside axe-playwright-python) audits the web chat and the operator console
in Debian's chromium: no serious or critical violation, CSP in force. The content tab's audit
walks an editor's whole edit (contacts, a topic, an incident)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import ConsoleMessage, Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from actions.contacts import ActionContacts
from actions.store.models import Service
from bot.app import create_app
from bot.settings import Settings
from bot.storage import session_scope, utcnow
from tests.actions.conftest import make_tracker, run_action
from tests.e2e.browser import LAPTOP, PHONE, chromium_page
from tests.e2e.test_console_browser import _add_operator, _log_in
from tests.e2e.test_training_browser import MASKED, add_editor_and_queue, log_in_as_editor
from tests.handoff.api.conftest import seed_chat
from tests.support import unique_name

pytestmark = pytest.mark.browser
BLOCKING = {"serious", "critical"}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the audit is about the pages, not the database."""
    return f"sqlite+aiosqlite:///{tmp_path / 'a11y.db'}"


@pytest.fixture
async def server(database_url: str, engine: AsyncEngine) -> AsyncIterator[TestServer]:
    """The app's pages and API (no Rasa needed: nothing here is a bot turn)."""
    settings = Settings(_env_file=None, database_url=database_url)
    server = TestServer(await create_app(settings, run_workers=False), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def blocking_violations(page: Page) -> list[str]:
    """Serious and critical axe findings, each with the elements it names."""
    results = await Axe().run(page)
    found: list[dict[str, Any]] = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in found
        if v.get("impact") in BLOCKING
    ]


def csp_errors(page: Page) -> list[str]:
    """What the page's Content-Security-Policy refused (chromium reports it on the console)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    return errors


async def test_webchat_page_has_no_serious_accessibility_violation(server: TestServer) -> None:
    async with chromium_page(PHONE) as page:
        errors = csp_errors(page)
        await page.goto(str(server.make_url("/")))
        await expect(page.get_by_role("status")).to_have_text("На связи", timeout=15_000)
        await page.get_by_label("Ваше сообщение").fill("привет")
        await page.get_by_role("button", name="Отправить").click()
        await expect(page.locator(".msg--citizen")).to_have_count(1)
        assert await blocking_violations(page) == []
        assert errors == []


async def test_console_login_and_desk_have_no_serious_accessibility_violation(
    server: TestServer, database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    login, password = unique_name("a11y"), secrets.token_urlsafe(16)
    await _add_operator(database_url, login, password)
    # a desk with work on it: a fresh request and one waiting past the target
    await seed_chat(sessions, "a11y-fresh-chat-0001")
    await seed_chat(
        sessions,
        "a11y-late-chat-00002",
        lines=(("citizen", "не могу войти"), ("bot", "Передаю оператору")),
        queued_at=utcnow() - timedelta(minutes=20),
    )
    async with chromium_page(LAPTOP) as page:
        errors = csp_errors(page)
        await page.goto(str(server.make_url("/console")))
        await expect(page.locator("#login-form")).to_be_visible()
        assert await blocking_violations(page) == [], "login page"
        await _log_in(page, login, password)
        away = page.get_by_role("radio", name="Отошёл")
        await away.check()
        await expect(page.locator("#queue-list .chat-item")).to_have_count(2, timeout=15_000)
        assert await blocking_violations(page) == [], "desk with a queue"
        await page.get_by_role("button", name="Взять чат № ОП-a11y-late-chat-00002").click()
        await expect(page.locator("#mine-list .chat-item")).to_have_count(1)
        await expect(page.locator(".line--bot").first).to_be_visible()
        assert await blocking_violations(page) == [], "desk with a chat taken"
        assert errors == []


async def test_console_training_tab_has_no_serious_accessibility_violation(
    server: TestServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    login, password = await add_editor_and_queue(sessions)
    async with chromium_page(LAPTOP) as page:
        errors = csp_errors(page)
        await log_in_as_editor(page, server, login, password)
        item = page.locator(".review-item").first
        await expect(item.locator(".review-item__text")).to_have_text(MASKED)
        await item.get_by_role("button", name="Показать переписку").click()
        await expect(item.locator(".review-context li")).to_have_count(1)
        await page.get_by_role("button", name="Показать изменения").click()
        await expect(page.locator("#review-diff-text")).not_to_be_empty()
        assert await blocking_violations(page) == [], "training tab with a cluster and its context"
        assert errors == []


async def test_console_content_tab_edits_with_no_serious_accessibility_violation(
    server: TestServer,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """An editor changes the hotline and hours, adds an out-of-scope topic, announces and ends an
    incident; the action then answers with the new hotline."""
    login, password = await add_editor_and_queue(sessions)
    async with session_scope(sessions) as session:
        session.add(Service(code="lk", title="Личный кабинет"))
    async with chromium_page(LAPTOP) as page:
        errors = csp_errors(page)
        await log_in_as_editor(page, server, login, password)
        await page.get_by_role("tab", name="Содержание").click()
        contacts = page.locator("#contacts-form")
        await expect(contacts.get_by_label("Телефон горячей линии")).to_have_value(
            "8 800 100-70-10"
        )
        assert await blocking_violations(page) == [], "content tab"

        await page.locator("#ct-weekday-open").fill("25:00")
        await contacts.get_by_role("button", name="Сохранить контакты").click()
        await expect(page.locator("#contacts-error")).to_contain_text("ЧЧ:ММ")
        await page.locator("#ct-weekday-open").fill("08:00")
        await contacts.get_by_label("Телефон горячей линии").fill("8 800 555-35-35")
        await contacts.get_by_role("button", name="Сохранить контакты").click()
        await expect(page.locator("#contacts-meta")).to_contain_text("Версия 1")

        routes = page.locator("#oos-form")
        await routes.get_by_role("button", name="Добавить тему").click()
        topic = page.locator("#oos-topics .topic").last
        await topic.get_by_label("Код (латиницей)").fill("hunting")
        await topic.get_by_label("Ключевые слова (через запятую)").fill("охотничий билет, охота")
        await topic.get_by_label("Маршрут (что прочитает гражданин)").fill("Раздел «Охота».")
        await routes.get_by_role("button", name="Сохранить маршруты").click()
        await expect(page.locator("#oos-meta")).to_contain_text("Версия 1")

        await page.get_by_role("button", name="Добавить инцидент").click()
        dialog = page.locator("#incident-dialog")
        await dialog.get_by_label("Текст, который увидят граждане").fill("Кабинет не открывается.")
        assert await blocking_violations(page) == [], "incident dialog"
        await dialog.get_by_role("button", name="Сохранить").click()
        row = page.locator("#incidents-table tbody tr")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("Кабинет не открывается.")
        await row.get_by_role("button", name="Завершить: Личный кабинет", exact=False).click()
        await expect(row.get_by_role("button", name="Завершить", exact=False)).to_have_count(0)
        assert errors == []
    _, messages = await run_action(ActionContacts(sessions), make_tracker(intent="contacts"))
    assert "8 800 555-35-35" in messages[0]["text"]
