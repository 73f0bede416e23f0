"""Debian's chromium, headless, driven by Playwright: the one way browser tests open a page."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Page, async_playwright

from tests.support import unavailable

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 800}
LAPTOP = {"width": 1366, "height": 768}


@asynccontextmanager
async def chromium_page(viewport: dict[str, int]) -> AsyncIterator[Page]:
    """A Russian-locale page in the apt package's chromium (never a downloaded browser)."""
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("chromium (apt package 'chromium')")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield await browser.new_page(viewport=viewport, locale="ru-RU")  # type: ignore[arg-type]
        finally:
            await browser.close()
