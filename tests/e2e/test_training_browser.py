"""An editor in real chromium: signs in, sees a queued masked message, assigns an intent, and
reads the example in the training diff."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.models import Conversation, TranscriptEntry
from bot.settings import PROJECT_ROOT, Settings
from bot.storage import session_scope, utcnow
from handoff.models import Operator, Role
from handoff.operators.auth import hash_password
from review.models import ReviewReason
from review.queue import enqueue
from tests.e2e.browser import LAPTOP, chromium_page
from tests.support import unique_name

pytestmark = pytest.mark.browser
EDITOR_NAME = "Елена Редактор"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the flow is about the page."""
    return f"sqlite+aiosqlite:///{tmp_path / 'training.db'}"


@pytest.fixture
async def server(
    database_url: str, engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestServer]:
    """The app's pages and API; training files go to a copy of data/nlu."""
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", tmp_path / "data" / "nlu")
    monkeypatch.setenv("TRAINING_ROOT", str(tmp_path))
    settings = Settings(_env_file=None, database_url=database_url)
    server = TestServer(await create_app(settings, run_workers=False), host="127.0.0.1")
    await server.start_server()
    yield server
    await server.close()


async def add_editor_and_queue(sessions: async_sessionmaker[AsyncSession]) -> tuple[str, str]:
    """An editor account and one queued message whose raw text held a phone; (login, password)."""
    login, password = unique_name("editor"), secrets.token_urlsafe(16)
    async with session_scope(sessions) as session:
        session.add(
            Operator(
                login=login,
                name=EDITOR_NAME,
                password_hash=hash_password(password),
                role=Role.EDITOR,
            )
        )
        session.add(Conversation(id="webchat:tr-1", channel="webchat", chat_id="tr-1"))
        await session.flush()
        raw = "код на +7 916 123-45-67 так и не пришёл совсем"
        line = TranscriptEntry(conversation_id="webchat:tr-1", author="citizen", text=raw)
        session.add(line)
        await session.flush()
        await enqueue(
            session,
            raw_text=raw,
            reason=ReviewReason.FALLBACK,
            channel="webchat",
            conversation_id="webchat:tr-1",
            line_id=line.id,
            intent="nlu_fallback",
            confidence=0.42,
            now=utcnow(),
        )
    return login, password


async def log_in_as_editor(page: Page, server: TestServer, login: str, password: str) -> None:
    """Open the console and sign in; an editor lands on «Обучение»."""
    await page.goto(str(server.make_url("/console")))
    form = page.locator("#login-form")
    await form.get_by_label("Логин").fill(login)
    await form.get_by_label("Пароль").fill(password)
    await form.get_by_role("button", name="Войти").click()
    await expect(page.locator("#me-name")).to_have_text(EDITOR_NAME)
    await expect(page.get_by_role("tab", name="Обучение")).to_have_attribute(
        "aria-selected", "true"
    )


MASKED = "код на <телефон> так и не пришёл совсем"


async def test_an_editor_annotates_a_queued_message_and_sees_it_in_the_diff(
    server: TestServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    login, password = await add_editor_and_queue(sessions)
    async with chromium_page(LAPTOP) as page:
        await log_in_as_editor(page, server, login, password)
        await expect(page.get_by_role("tab", name="Рабочее место")).to_be_hidden()
        item = page.locator(".review-item").first
        await expect(item.locator(".review-item__text")).to_have_text(MASKED)
        await expect(page.locator("body")).not_to_contain_text("123-45-67")
        await item.get_by_role("button", name="Показать переписку").click()
        await expect(item.locator(".review-context__queued")).to_contain_text(MASKED)
        await page.get_by_label("Намерение").fill("password_reset")
        await page.get_by_role("button", name="Назначить").click()
        await expect(page.locator("#review-empty")).to_be_visible()
        await page.get_by_role("button", name="Показать изменения").click()
        diff = page.locator("#review-diff-text")
        await expect(diff).to_contain_text("+++ b/data/nlu/reviewed/core.yml")
        await expect(diff).to_contain_text(f"- {MASKED}")
        await expect(page.locator("#training-models")).to_be_attached()
