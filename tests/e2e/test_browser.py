"""A real browser (Debian's headless chromium, driven by Playwright) uses the web chat."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from tests.e2e.browser import PHONE, chromium_page

pytestmark = pytest.mark.browser


async def test_citizen_types_privet_and_sees_the_reply_on_a_phone_screen(
    app_server: TestServer, tmp_path: Path
) -> None:
    async with chromium_page(PHONE) as page:
        await page.goto(str(app_server.make_url("/")))
        await expect(page.get_by_role("status")).to_have_text("На связи", timeout=15_000)
        await page.get_by_label("Ваше сообщение").fill("привет")
        await page.get_by_role("button", name="Отправить").click()
        bot_line = page.locator(".msg--bot").first
        await expect(bot_line).to_contain_text("Ассистент", timeout=60_000)
        buttons = page.locator(".msg--bot .msg__buttons button")
        await expect(buttons.first).to_be_visible()
        await page.screenshot(path=str(tmp_path / "webchat.png"), full_page=True)
        # pressing a suggested topic sends it and gets an answer
        before = await page.locator(".msg--bot").count()
        await buttons.first.click()
        await expect(page.locator(".msg--bot")).to_have_count(before + 1, timeout=60_000)
