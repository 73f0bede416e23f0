"""Security headers on every response: `nosniff`, a referrer policy, CSP on pages, `no-store`.

Added in `on_response_prepare` rather than a handler middleware so that every response gets
them — static files, the websocket handshake and the error pages aiohttp makes itself included.
A header a handler set on purpose (the console page's own CSP) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from aiohttp import web

from bot.settings import Settings

WEBCHAT_PAGE = "/"
# Paths that carry personal data (transcripts, the citizen's history, the operator's desk):
# no browser or proxy cache may keep them. Their static assets are not personal.
PERSONAL_PREFIXES = ("/api/", "/chat/", "/console", "/metrics")
PUBLIC_PREFIXES = ("/chat/static/", "/console/static/")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_SOURCE = re.compile(r"^('self'|'none'|https?://[A-Za-z0-9.\-*]+(:\d{1,5})?|\*)$")


def frame_ancestors(sources: Sequence[str]) -> str:
    """The `frame-ancestors` value; refuses (at start-up) anything but origins and keywords."""
    bad = [source for source in sources if not _SOURCE.match(source)]
    if bad or not sources:
        raise ValueError(
            f"WEBCHAT_FRAME_ANCESTORS lists origins (https://portal.example) or 'self': {bad}"
        )
    return " ".join(sources)


class SecurityHeaders:
    """Adds the headers; the web chat page's CSP names the portals allowed to embed it."""

    def __init__(self, ancestors: Sequence[str], public_url: str | None = None) -> None:
        self._ancestors = frame_ancestors(ancestors)
        self._public_host = urlsplit(public_url).netloc if public_url else None

    def _socket_sources(self, request: web.Request) -> str:
        # CSP 'self' covers same-origin websockets only in CSP level 3 browsers; name them too
        host = self._public_host or request.host
        if not _HOST.match(host):
            return ""
        return f" ws://{host} wss://{host}"

    def page_policy(self, request: web.Request, ancestors: str) -> str:
        """The CSP of an HTML page: everything from this origin only, no inline code."""
        return "; ".join(
            (
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                "img-src 'self' data:",
                "connect-src 'self'" + self._socket_sources(request),
                "base-uri 'none'",
                "form-action 'self'",
                "object-src 'none'",
                f"frame-ancestors {ancestors}",
            )
        )

    async def on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        """The `on_response_prepare` signal handler."""
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        path = request.path
        if response.content_type == "text/html" and "Content-Security-Policy" not in headers:
            ancestors = self._ancestors if path == WEBCHAT_PAGE else "'none'"
            headers["Content-Security-Policy"] = self.page_policy(request, ancestors)
        if path.startswith(PERSONAL_PREFIXES) and not path.startswith(PUBLIC_PREFIXES):
            headers["Cache-Control"] = "no-store"


def setup_security_headers(app: web.Application, settings: Settings) -> None:
    """Install the headers on every response of the app."""
    policy = SecurityHeaders(settings.webchat_frame_ancestors, settings.public_url)
    app.on_response_prepare.append(policy.on_prepare)
