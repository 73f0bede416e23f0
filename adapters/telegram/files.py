"""`TelegramFiles`: a citizen's photo or document back from the Bot API, by its `file_id`."""

from __future__ import annotations

import contextlib
from pathlib import PurePosixPath

import aiohttp
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from adapters.telegram.parse import CHANNEL
from bot.attachments import (
    AttachmentTooLarge,
    AttachmentUnavailable,
    FetchedFile,
    default_filename,
    guess_type,
    read_capped,
)
from bot.messages import Attachment

DOWNLOAD_TIMEOUT_S = 30


class TelegramFiles:
    """`getFile`, then the download from `<api server>/file/bot<token>/<file_path>`.

    The download URL comes from the Bot's own API server description, so a local Bot API server
    (TELEGRAM_API_URL) serves the files too. The URL holds the bot token: errors never quote it.
    """

    channel = CHANNEL

    def __init__(self, bot: Bot, *, timeout_s: int = DOWNLOAD_TIMEOUT_S) -> None:
        self.bot = bot
        self.timeout_s = timeout_s

    async def fetch(self, attachment: Attachment, max_bytes: int) -> FetchedFile:
        """The file behind the attachment's `file_id`."""
        if not attachment.file_ref:
            raise AttachmentUnavailable("no file_id")
        try:
            file = await self.bot.get_file(attachment.file_ref)
        except TelegramAPIError as exc:
            raise AttachmentUnavailable(f"telegram getFile: {exc.message}") from exc
        if file.file_size is not None and file.file_size > max_bytes:
            raise AttachmentTooLarge(f"{file.file_size} bytes")
        if not file.file_path:  # Telegram gives no path to files a bot may not download
            raise AttachmentUnavailable("telegram getFile: no file_path")
        url = self.bot.session.api.file_url(self.bot.token, file.file_path)
        chunks = self.bot.session.stream_content(url, timeout=self.timeout_s)
        try:
            async with contextlib.aclosing(chunks):
                content = await read_capped(chunks, max_bytes)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AttachmentUnavailable(f"telegram download: {type(exc).__name__}") from exc
        filename = default_filename(attachment, PurePosixPath(file.file_path).name)
        return FetchedFile(content, guess_type(attachment, filename), filename)
