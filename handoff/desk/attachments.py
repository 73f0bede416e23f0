"""Files citizens sent during a chat, as the console serves them to an operator.

The app keeps no copy: a file is fetched from the citizen's messenger when an operator opens it
(`bot.attachments`). What comes back is untrusted content served from the console's origin, so
only a few raster image types are shown inline; everything else is a download, never sniffed,
and sandboxed should a browser render it anyway.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.attachments import FILE_KINDS, FetchedFile
from bot.messages import Attachment
from bot.models import TranscriptEntry
from handoff.models import HandoffChat

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/;]')
MAX_NAME_CHARS = 150
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "no-store",  # personal data: no copy left in the operator's browser
    "Referrer-Policy": "no-referrer",
}


async def chat_attachment(
    session: AsyncSession, chat: HandoffChat, line_id: int
) -> Attachment | None:
    """The file a citizen's line of this chat's conversation carries; None for anything else."""
    entry = await session.get(TranscriptEntry, line_id)
    if entry is None or entry.conversation_id != chat.conversation_id:
        return None
    raw = (entry.payload or {}).get("attachment") if entry.author == "citizen" else None
    if not isinstance(raw, dict):
        return None
    try:
        attachment = Attachment.model_validate(raw)
    except ValidationError:
        return None
    if attachment.kind not in FILE_KINDS or not attachment.file_ref:
        return None
    return attachment


def safe_filename(name: str) -> str:
    """The name without path parts, quotes or control characters, and not too long."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .")
    return cleaned[-MAX_NAME_CHARS:] or "file"


def content_disposition(disposition: str, filename: str) -> str:
    """`inline` / `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266)."""
    name = safe_filename(filename)
    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(file: FetchedFile) -> web.Response:
    """The fetched file as the operator's browser gets it."""
    content_type = file.content_type.lower()
    if not _CONTENT_TYPE.match(content_type):
        content_type = "application/octet-stream"
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    headers = {
        **FILE_HEADERS,
        "Content-Disposition": content_disposition(disposition, file.filename),
    }
    return web.Response(body=file.content, content_type=content_type, headers=headers)
