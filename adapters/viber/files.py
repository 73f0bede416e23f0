"""`ViberFiles`: a citizen's photo, video or file back from Viber's media URL.

Viber puts a plain URL on its CDN in the message (`media`). The URL arrives in a signed
callback, yet the app fetches it on an operator's click, so it is treated as untrusted: only
http(s), no credentials in it, only hosts under the allowed domains (VIBER_MEDIA_HOSTS,
`viber.com` by default), and every redirect is checked the same way before it is followed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

import aiohttp
from yarl import URL

from adapters.viber.parse import CHANNEL
from bot.attachments import (
    AttachmentTooLarge,
    AttachmentUnavailable,
    FetchedFile,
    default_filename,
    guess_type,
    read_capped,
)
from bot.messages import Attachment

DEFAULT_MEDIA_HOSTS = ("viber.com",)  # dl-media.viber.com, share.cdn.viber.com...
DOWNLOAD_TIMEOUT_S = 30.0
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def media_url_allowed(url: URL, allowed_hosts: Sequence[str]) -> bool:
    """Whether `url` may be fetched: http(s), no user info, a host equal to or under one listed."""
    if url.scheme not in ("http", "https") or url.user is not None or url.password is not None:
        return False
    host = (url.host or "").rstrip(".").lower()
    if not host:
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in allowed_hosts)


class ViberFiles:
    """Fetches Viber media URLs over its own HTTP session (closed with the app)."""

    channel = CHANNEL

    def __init__(
        self,
        allowed_hosts: Sequence[str] = DEFAULT_MEDIA_HOSTS,
        *,
        timeout_s: float = DOWNLOAD_TIMEOUT_S,
    ) -> None:
        self.allowed_hosts = tuple(host.rstrip(".").lower() for host in allowed_hosts if host)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _checked(self, raw: str | None, base: URL | None = None) -> URL:
        try:
            url = URL(raw or "")
            if base is not None:  # a redirect's Location may be relative
                url = base.join(url)
        except ValueError as exc:
            raise AttachmentUnavailable("viber media: not a URL") from exc
        if not media_url_allowed(url, self.allowed_hosts):
            raise AttachmentUnavailable("viber media: host or scheme not allowed")
        return url

    async def fetch(self, attachment: Attachment, max_bytes: int) -> FetchedFile:
        """The file behind the media URL, following at most three checked redirects."""
        url = self._checked(attachment.file_ref)
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                async with self._session.get(url, allow_redirects=False) as response:
                    if response.status in REDIRECTS:
                        url = self._checked(response.headers.get("Location"), url)
                        continue
                    if response.status != 200:
                        raise AttachmentUnavailable(f"viber media: http {response.status}")
                    if (response.content_length or 0) > max_bytes:
                        raise AttachmentTooLarge(f"{response.content_length} bytes")
                    chunks = response.content.iter_chunked(64 * 1024)
                    content = await read_capped(chunks, max_bytes)
                    declared = response.headers.get("Content-Type")
                    break
            else:
                raise AttachmentUnavailable("viber media: too many redirects")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AttachmentUnavailable(f"viber media: {type(exc).__name__}") from exc
        filename = default_filename(attachment, PurePosixPath(url.path).name)
        return FetchedFile(content, guess_type(attachment, filename, declared), filename)
