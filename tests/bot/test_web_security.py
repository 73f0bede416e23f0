"""Security headers on every page and API response, and who may read /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.settings import Settings
from bot.web.headers import frame_ancestors

Client = TestClient[web.Request, web.Application]
PORTAL = "https://www.gosuslugi.example"


@pytest.fixture
def make_client(database_url: str, engine: AsyncEngine) -> Callable[..., Any]:
    """Start the app with some settings changed; workers off."""

    async def start(**overrides: Any) -> Client:
        settings = Settings(_env_file=None, database_url=database_url, **overrides)
        client: Client = TestClient(TestServer(await create_app(settings, run_workers=False)))
        await client.start_server()
        return client

    return start


@pytest.fixture
async def client(make_client: Callable[..., Any]) -> AsyncIterator[Client]:
    client: Client = await make_client(webchat_frame_ancestors=["'self'", PORTAL])
    yield client
    await client.close()


def directives(csp: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in csp.split(";"))
    return {part[0]: part[1] if len(part) > 1 else "" for part in parts}


async def test_webchat_page_has_a_csp_that_lets_only_the_portal_embed_it(client: Client) -> None:
    async with client.get("/") as response:
        assert response.status == 200
        csp = directives(response.headers["Content-Security-Policy"])
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["frame-ancestors"] == f"'self' {PORTAL}"
    host = f"{client.host}:{client.port}"
    assert csp["connect-src"] == f"'self' ws://{host} wss://{host}"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


async def test_console_page_may_never_be_framed_and_is_not_cached(client: Client) -> None:
    async with client.get("/console") as response:
        assert response.status == 200
        csp = directives(response.headers["Content-Security-Policy"])
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert csp["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", ["/api/me", "/api/openapi.json", "/api/chats", "/api/nothing"])
async def test_api_responses_are_nosniff_and_no_store(client: Client, path: str) -> None:
    async with client.get(path) as response:
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_chat_socket_handshake_is_no_store(client: Client) -> None:
    async with client.ws_connect("/chat/ws") as socket:
        assert (await socket.receive_json())["type"] == "session"
    async with client.get("/chat/ws") as response:  # a plain GET: refused, still with headers
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_static_assets_are_nosniff_and_may_be_cached(client: Client) -> None:
    async with client.get("/chat/static/chat.js") as response:
        assert response.status == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" not in response.headers.get("Cache-Control", "")
    async with client.get("/no/such/page") as response:
        assert response.status == 404
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_frame_ancestors_setting_refuses_what_is_not_an_origin() -> None:
    assert frame_ancestors(["'self'", PORTAL]) == f"'self' {PORTAL}"
    for bad in (["https://a.example; script-src *"], ["javascript:x"], []):
        with pytest.raises(ValueError, match="WEBCHAT_FRAME_ANCESTORS"):
            frame_ancestors(bad)


async def test_metrics_answer_loopback_by_default(client: Client) -> None:
    async with client.get("/metrics") as response:
        assert response.status == 200
        assert "gospom_messages_in" in await response.text()
        assert response.headers["Cache-Control"] == "no-store"


async def test_metrics_refuse_an_address_outside_the_allowed_networks(
    make_client: Callable[..., Any],
) -> None:
    client: Client = await make_client(metrics_allowed_ips=["10.0.0.0/8"])
    try:
        async with client.get("/metrics") as response:
            assert response.status == 403
            assert "gospom_" not in await response.text()
    finally:
        await client.close()


async def test_metrics_token_opens_them_from_anywhere_and_a_wrong_one_does_not(
    make_client: Callable[..., Any],
) -> None:
    client: Client = await make_client(
        metrics_allowed_ips=[], metrics_token=SecretStr("scrape-token-123")
    )
    try:
        for given, status in (
            ("Bearer scrape-token-123", 200),
            ("Bearer scrape-token-12", 403),
            ("scrape-token-123", 403),
            ("", 403),
        ):
            async with client.get("/metrics", headers={"Authorization": given}) as response:
                assert response.status == status, given
    finally:
        await client.close()
