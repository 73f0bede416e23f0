"""The operator console page: `GET /console` and its assets under `/console/static/`.

The page is plain HTML, CSS and vanilla JS split into ES modules (no build step); everything it
shows comes from the JSON API under `/api/`. The page carries a strict Content-Security-Policy:
scripts and styles only from this origin, no inline code, no framing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"
PAGE_PATH = "/console"
STATIC_PREFIX = "/console/static/"
ASSET_SUFFIXES = (".js", ".css")
VERSION_MARK = "__ASSET_VERSION__"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    # the page is tiny and names its assets by content hash: never serve a stale copy
    "Cache-Control": "no-store",
}
# the modules import each other by plain names, so browsers revalidate (a 304 when unchanged)
ASSET_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}


def asset_names(static_dir: Path = STATIC) -> list[str]:
    """The scripts and styles the page may load (nothing else in the folder is served)."""
    return sorted(p.name for p in static_dir.iterdir() if p.suffix in ASSET_SUFFIXES)


def asset_version(static_dir: Path = STATIC) -> str:
    """A short hash of the page's scripts and styles: a deploy changes the entry URLs."""
    digest = hashlib.sha256()
    for name in asset_names(static_dir):
        digest.update((static_dir / name).read_bytes())
    return digest.hexdigest()[:12]


def render_page(static_dir: Path = STATIC) -> str:
    """The console HTML with its asset URLs versioned."""
    html = (static_dir / "console.html").read_text(encoding="utf-8")
    return html.replace(VERSION_MARK, asset_version(static_dir))


def setup_console_page(app: web.Application) -> None:
    """Register `GET /console` and the static assets it loads."""
    page = render_page()
    assets = set(asset_names())

    async def console_page(_: web.Request) -> web.Response:
        return web.Response(
            text=page, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS
        )

    async def redirect_to_page(_: web.Request) -> web.Response:
        raise web.HTTPPermanentRedirect(PAGE_PATH)

    async def asset(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        if name not in assets:
            raise web.HTTPNotFound()
        return web.FileResponse(STATIC / name, headers=ASSET_HEADERS)

    app.router.add_get(PAGE_PATH, console_page)
    app.router.add_get(PAGE_PATH + "/", redirect_to_page)
    app.router.add_get(STATIC_PREFIX + "{name}", asset)
