"""Fetching what a citizen attached (photo, document...) back from their channel, for an operator.

The transcript keeps only the channel's reference to a file (`Attachment.file_ref`: a Telegram
`file_id`, a Viber media URL); each channel that can turn it back into bytes registers an
`AttachmentFetcher` in the app's `AttachmentFetchers`. The console asks the registry by channel
name and never learns how a channel stores its files.
"""

from __future__ import annotations

import mimetypes
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from bot.messages import Attachment

# kinds whose `file_ref` names a file the channel can hand back (not a location or a contact)
FILE_KINDS = frozenset(
    {"photo", "document", "video", "voice", "audio", "animation", "video_note", "sticker"}
)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # what Telegram's Bot API lets a bot download at most
FALLBACK_TYPE = "application/octet-stream"
# what a photo is when the channel's reference carries no usable extension
KIND_TYPES = {"photo": "image/jpeg"}
KIND_EXTENSIONS = {"photo": ".jpg", "voice": ".ogg", "video": ".mp4", "video_note": ".mp4"}


class AttachmentUnavailable(Exception):
    """The channel refused the file (expired, deleted, network down, not allowed to fetch it)."""


class AttachmentTooLarge(Exception):
    """The file is bigger than the caller accepts; nothing more is read."""


@dataclass(frozen=True)
class FetchedFile:
    """A file fetched whole from a channel, with what the channel said it is."""

    content: bytes
    content_type: str
    filename: str


class AttachmentFetcher(Protocol):
    """One channel's way back from `Attachment.file_ref` to the file's bytes."""

    channel: str

    async def fetch(self, attachment: Attachment, max_bytes: int) -> FetchedFile:
        """The file, at most `max_bytes` long.

        Raises `AttachmentTooLarge` past `max_bytes` and `AttachmentUnavailable` when the channel
        does not give it (messages must not carry secrets such as bot tokens: they are logged).
        """
        ...


class AttachmentFetchers:
    """The fetchers of the channels this app serves, by channel name."""

    def __init__(self) -> None:
        self._by_channel: dict[str, AttachmentFetcher] = {}

    def register(self, fetcher: AttachmentFetcher) -> None:
        """Serve this channel's attachments with `fetcher` (the last registration wins)."""
        self._by_channel[fetcher.channel] = fetcher

    def get(self, channel: str) -> AttachmentFetcher | None:
        """The channel's fetcher, or None when the channel is not set up in this app."""
        return self._by_channel.get(channel)


async def read_capped(chunks: AsyncIterator[bytes], max_bytes: int) -> bytes:
    """Join the chunks; `AttachmentTooLarge` as soon as they pass `max_bytes`."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > max_bytes:
            raise AttachmentTooLarge(f"more than {max_bytes} bytes")
    return bytes(body)


def guess_type(attachment: Attachment, filename: str, declared: str | None = None) -> str:
    """The content type: the channel's own word, else the file name's extension, else the kind."""
    if declared:
        return declared.split(";", 1)[0].strip().lower() or FALLBACK_TYPE
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or KIND_TYPES.get(attachment.kind, FALLBACK_TYPE)


def default_filename(attachment: Attachment, path_name: str) -> str:
    """The citizen's file name when the channel kept it, else the stored file's own name."""
    if attachment.name:
        return attachment.name
    if path_name and "." in path_name:
        return path_name
    return (path_name or attachment.kind) + KIND_EXTENSIONS.get(attachment.kind, "")
