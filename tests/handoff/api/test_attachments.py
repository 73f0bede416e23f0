"""Files citizens send during a handoff reach the operator: fetched from the messenger on demand.

Telegram photos arrive through the real webhook and come back from the fake Bot API (`getFile`
and the file download path); Viber media come from a local "CDN" that the app may reach only
because the test adds 127.0.0.1 to the allowed media hosts.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDictProxy
from pydantic import SecretStr
from sqlalchemy import select

from adapters.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.models import Conversation, TranscriptEntry
from bot.storage import session_scope, utcnow
from handoff.models import AuditEntry, ChatStatus, HandoffChat
from tests.adapters.conftest import TOKEN, VIBER_TOKEN
from tests.adapters.fake_telegram import FakeTelegram
from tests.handoff.api.conftest import Console, InstancesFactory

WEBHOOK_SECRET = "attachments-secret"
MAX_BYTES = 64 * 1024
PHOTO = bytes(range(256)) * 40  # 10 KiB that no text decoding leaves intact
PDF = b"%PDF-1.4\n" + b"\x00\xff" * 500


@dataclass
class MediaServer:
    """A stand-in for Viber's media CDN: serves files, a redirect, and records every request."""

    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    server: TestServer | None = None

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        """A URL of this server under the given host name."""
        assert self.server is not None
        return f"http://{host}:{self.server.port}{path}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        name = request.match_info["name"]
        if name == "redirect":
            raise web.HTTPFound(request.query["to"])
        if name == "endless":  # no Content-Length: the cap must stop the reading
            response = web.StreamResponse()
            await response.prepare(request)
            for _ in range(4):
                await response.write(b"x" * MAX_BYTES)
            await response.write_eof()
            return response
        if name not in self.files:
            raise web.HTTPNotFound()
        content_type, content = self.files[name]
        return web.Response(body=content, content_type=content_type)


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API; every test ends with no schema violation."""
    fake = FakeTelegram()
    fake.base_url = await fake.start()
    yield fake
    await fake.close()
    assert fake.violations == []


@pytest.fixture
async def media() -> AsyncIterator[MediaServer]:
    """The local media server."""
    media = MediaServer()
    app = web.Application()
    app.router.add_get("/media/{name}", media.handle)
    media.server = TestServer(app, host="127.0.0.1")
    await media.server.start_server()
    yield media
    await media.server.close()


@pytest.fixture
async def console(make_console: InstancesFactory, fake_telegram: FakeTelegram) -> Console:
    """One instance with Telegram (on the fake Bot API) and Viber (media from 127.0.0.1)."""
    return await make_console(
        1,
        telegram_token=SecretStr(TOKEN),
        telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
        telegram_api_url=fake_telegram.base_url,
        viber_token=SecretStr(VIBER_TOKEN),
        viber_api_url="http://127.0.0.1:9/pa",  # never called: no PUBLIC_URL, nothing sent
        viber_media_hosts=["viber.com", "127.0.0.1"],
        attachment_max_bytes=MAX_BYTES,
    )


async def citizen_sends(console: Console, chat: int, update_id: int, **content: Any) -> int:
    """A Telegram message through the app's real webhook; the id of its transcript line."""
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1764072000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Анна"},
            **content,
        },
    }
    headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as http,
        http.post(console.main.url(WEBHOOK_PATH), data=json.dumps(update), headers=headers) as r,
    ):
        assert r.status == 200
    async with console.sessions() as session:
        line = await session.scalar(
            select(TranscriptEntry.id)
            .where(TranscriptEntry.conversation_id == f"telegram:{chat}")
            .order_by(TranscriptEntry.id.desc())
            .limit(1)
        )
    assert line is not None
    return line


async def hold_chat(
    console: Console,
    channel: str,
    chat: str,
    operator: str = "op1",
    lines: tuple[tuple[str, dict[str, Any] | None], ...] = (),
) -> int:
    """A handoff chat of the access group that `operator` holds; its conversation gets `lines`."""
    now = utcnow()
    conversation_id = f"{channel}:{chat}"
    async with session_scope(console.sessions) as session:
        if await session.get(Conversation, conversation_id) is None:
            session.add(
                Conversation(id=conversation_id, channel=channel, chat_id=chat, state="handoff")
            )
            await session.flush()
        for text, payload in lines:
            session.add(
                TranscriptEntry(
                    conversation_id=conversation_id, author="citizen", text=text, payload=payload
                )
            )
        row = HandoffChat(
            number=f"ОП-{chat}",
            conversation_id=conversation_id,
            channel=channel,
            chat_id=chat,
            group_code="access",
            topic="access",
            reason="requested",
            status=ChatStatus.ASSIGNED,
            operator_id=console.staff[operator],
            queued_at=now,
            assigned_at=now,
            updated_at=now,
            version=1,
        )
        session.add(row)
        await session.flush()
        return row.id


async def line_ids(console: Console, conversation_id: str) -> list[int]:
    """The conversation's transcript line ids, oldest first."""
    async with console.sessions() as session:
        rows = await session.scalars(
            select(TranscriptEntry.id)
            .where(TranscriptEntry.conversation_id == conversation_id)
            .order_by(TranscriptEntry.id)
        )
        return list(rows)


async def download(
    console: Console, login: str, path: str
) -> tuple[int, bytes, CIMultiDictProxy[str]]:
    """GET a file as the operator's browser does: status, raw body, headers."""
    user = await console.user(login)
    async with user.http.get(console.main.url(path)) as response:
        return response.status, await response.read(), response.headers


async def audited(console: Console) -> list[tuple[str, int | None, Any]]:
    """The audit log's `attachment` entries."""
    async with console.sessions() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "attachment").order_by(AuditEntry.id)
        )
        return [(row.action, row.chat_id, row.detail) for row in rows]


async def test_operator_opens_the_photo_a_telegram_citizen_sent(
    console: Console, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.add_file("PHOTO-BIG", PHOTO, "photos/file_7.jpg")
    line = await citizen_sends(
        console,
        555,
        901,
        caption="вот скан паспорта",
        photo=[
            {"file_id": "PHOTO-SMALL", "file_unique_id": "s", "width": 90, "height": 90},
            {"file_id": "PHOTO-BIG", "file_unique_id": "b", "width": 1280, "height": 960},
        ],
    )
    chat_id = await hold_chat(console, "telegram", "555")
    op1 = await console.user("op1")
    _, detail = await op1.call("GET", f"/api/chats/{chat_id}")
    shown = next(item for item in detail["transcript"] if item["id"] == line)
    assert shown["payload"]["attachment"]["kind"] == "photo"

    status, body, headers = await download(
        console, "op1", f"/api/chats/{chat_id}/attachments/{line}"
    )

    assert status == 200
    assert body == PHOTO
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Content-Disposition"].startswith("inline;")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert [call.params for call in fake_telegram.calls if call.method == "getFile"] == [
        {"file_id": "PHOTO-BIG"}
    ]
    assert fake_telegram.downloads == ["photos/file_7.jpg"]
    assert await audited(console) == [("attachment", chat_id, {"line_id": line, "kind": "photo"})]


async def test_telegram_document_downloads_under_its_russian_name(
    console: Console, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.add_file("DOC-1", PDF, "documents/file_3")
    document = {"file_id": "DOC-1", "file_unique_id": "d1", "file_name": "заявление.pdf"}
    line = await citizen_sends(console, 556, 902, document=document)
    chat_id = await hold_chat(console, "telegram", "556")

    status, body, headers = await download(
        console, "sup", f"/api/chats/{chat_id}/attachments/{line}"
    )

    assert status == 200
    assert body == PDF
    assert headers["Content-Type"] == "application/pdf"
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "заявление.pdf"


async def test_operator_of_another_group_is_refused_and_nothing_is_fetched(
    console: Console, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.add_file("PHOTO-1", PHOTO)
    photo = [{"file_id": "PHOTO-1", "file_unique_id": "p", "width": 9, "height": 9}]
    line = await citizen_sends(console, 557, 903, photo=photo)
    chat_id = await hold_chat(console, "telegram", "557")

    status, body, _ = await download(console, "tech", f"/api/chats/{chat_id}/attachments/{line}")

    assert status == 403
    assert json.loads(body)["error"]
    assert not [call for call in fake_telegram.calls if call.method == "getFile"]
    assert fake_telegram.downloads == []
    assert await audited(console) == []


async def test_a_line_that_is_not_an_attachment_of_that_chat_is_404(
    console: Console, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.add_file("PHOTO-2", PHOTO)
    photo = [{"file_id": "PHOTO-2", "file_unique_id": "p", "width": 9, "height": 9}]
    elsewhere = await citizen_sends(console, 558, 904, photo=photo)
    await hold_chat(console, "telegram", "558")
    location = {"attachment": {"kind": "location", "file_ref": "55.75,37.61"}}
    chat_id = await hold_chat(
        console, "telegram", "559", lines=(("позовите оператора", None), ("", location))
    )
    text_line, location_line = await line_ids(console, "telegram:559")

    for line in (text_line, location_line, elsewhere, 999_999):
        status, body, _ = await download(console, "op1", f"/api/chats/{chat_id}/attachments/{line}")
        assert status == 404, line
        assert json.loads(body)["error"] == "Не найдено."
    assert fake_telegram.downloads == []


async def test_a_file_telegram_no_longer_gives_is_a_502_in_russian(console: Console) -> None:
    photo = [{"file_id": "EXPIRED", "file_unique_id": "e", "width": 9, "height": 9}]
    line = await citizen_sends(console, 560, 905, photo=photo)
    chat_id = await hold_chat(console, "telegram", "560")

    status, body, _ = await download(console, "op1", f"/api/chats/{chat_id}/attachments/{line}")

    assert status == 502
    assert "прислать его ещё раз" in json.loads(body)["error"]
    assert await audited(console) == []


async def test_files_over_the_cap_are_refused_with_413(
    console: Console, fake_telegram: FakeTelegram, media: MediaServer
) -> None:
    fake_telegram.add_file("HUGE", b"x" * (MAX_BYTES + 1), "videos/file_9.mp4")
    video = {"file_id": "HUGE", "file_unique_id": "h", "width": 9, "height": 9, "duration": 1}
    line = await citizen_sends(console, 561, 906, video=video)
    telegram_chat = await hold_chat(console, "telegram", "561")
    viber_ref = {"attachment": {"kind": "video", "file_ref": media.url("/media/endless")}}
    viber_chat = await hold_chat(console, "viber", "endless=", lines=(("", viber_ref),))
    (viber_line,) = await line_ids(console, "viber:endless=")

    for chat_id, line_id in ((telegram_chat, line), (viber_chat, viber_line)):
        path = f"/api/chats/{chat_id}/attachments/{line_id}"
        status, body, _ = await download(console, "op1", path)
        assert status == 413
        assert json.loads(body)["error"]
    assert fake_telegram.downloads == [], "getFile's size is enough to refuse"


async def test_operator_opens_a_viber_picture_from_an_allowed_media_host(
    console: Console, media: MediaServer
) -> None:
    media.files["photo.png"] = ("image/png", PHOTO)
    ref = {"attachment": {"kind": "photo", "file_ref": media.url("/media/photo.png")}}
    chat_id = await hold_chat(console, "viber", "user-1=", lines=(("смотрите", ref),))
    (line,) = await line_ids(console, "viber:user-1=")

    status, body, headers = await download(
        console, "op1", f"/api/chats/{chat_id}/attachments/{line}"
    )

    assert status == 200
    assert body == PHOTO
    assert headers["Content-Type"] == "image/png"
    assert media.hits == ["/media/photo.png"]
    assert await audited(console) == [("attachment", chat_id, {"line_id": line, "kind": "photo"})]


@pytest.mark.parametrize(
    "where",
    [
        "disallowed host",
        "redirect to a disallowed host",
        "file scheme",
        "credentials in the URL",
        "not a URL",
    ],
)
async def test_viber_media_outside_the_allowed_hosts_is_refused_unfetched(
    console: Console, media: MediaServer, where: str
) -> None:
    media.files["photo.jpg"] = ("image/jpeg", PHOTO)
    refs = {
        "disallowed host": media.url("/media/photo.jpg", host="localhost"),
        "redirect to a disallowed host": media.url(
            "/media/redirect?to=" + media.url("/media/photo.jpg", host="localhost")
        ),
        "file scheme": "file:///etc/passwd",
        "credentials in the URL": media.url("/media/photo.jpg", host="user:pw@127.0.0.1"),
        "not a URL": "http://[::1",
    }
    ref = {"attachment": {"kind": "document", "file_ref": refs[where], "name": "a.jpg"}}
    chat_id = await hold_chat(console, "viber", "user-2=", lines=(("", ref),))
    (line,) = await line_ids(console, "viber:user-2=")

    status, body, _ = await download(console, "op1", f"/api/chats/{chat_id}/attachments/{line}")

    assert status == 502
    assert json.loads(body)["error"].startswith("Мессенджер не отдал файл")
    expected = ["/media/redirect"] if where.startswith("redirect") else []
    assert media.hits == expected, "nothing fetched from a host that is not allowed"
    assert await audited(console) == []
