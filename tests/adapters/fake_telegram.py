"""A local Bot API server for tests: validates every call against the published API schema.

`POST /bot<token>/<method>` with form, urlencoded or JSON parameters. Every call is checked
against `/work/shared/telegram-bot-api/api.min.json` (method exists, required parameters
present, no unknown parameter, basic types right, Telegram's text and callback_data limits);
a violation answers 400 like Telegram and is recorded in `violations`, which tests assert
empty. `fail(status, times, retry_after=...)` makes the next calls fail. Each call records the
monotonic time it arrived (`Call.at`), so tests can measure rate limits in the server's clock.
`queue_update(...)` feeds `getUpdates` (long polling: it waits up to 1 s for an update).
`add_file(file_id, content, path)` makes `getFile` know a file and serves its bytes at
`GET /file/bot<token>/<file_path>`, as Telegram does (`downloads` records the paths fetched).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

API_SCHEMA = Path("/work/shared/telegram-bot-api/api.min.json")
BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Госпомощник", "username": "gospom_bot"}


def citizen_message(
    update_id: int, user_id: int = 111, *, date: int | None = None, **content: Any
) -> dict[str, Any]:
    """An update as Telegram sends it when a citizen writes to the bot in a private chat."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()) if date is None else date,
            "chat": {"id": user_id, "type": "private", "first_name": "Иван"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Иван"},
            **content,
        },
    }


def load_schema() -> dict[str, Any]:
    """The Bot API description: methods by name, each with typed fields."""
    data: dict[str, Any] = json.loads(API_SCHEMA.read_text(encoding="utf-8"))
    return data


@dataclass
class Call:
    """One recorded Bot API call."""

    token: str
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    """A scripted error answer."""

    status: int
    description: str
    retry_after: int | None = None


def _check_scalar(kind: str, value: Any) -> bool:
    """Whether a form/JSON value can be the Bot API type `kind`."""
    text = value if isinstance(value, str) else json.dumps(value)
    if kind == "Integer":
        if isinstance(value, bool):
            return False
        try:
            int(text)
        except ValueError:
            return False
        return True
    if kind == "Float":
        try:
            float(text)
        except ValueError:
            return False
        return True
    if kind == "Boolean":
        return isinstance(value, bool) or text.lower() in ("true", "false")
    if kind == "String":
        return isinstance(value, str)
    if kind == "InputFile":
        return isinstance(value, str) and value.startswith("attach://")
    # objects and arrays travel JSON-serialised
    try:
        decoded = json.loads(text) if isinstance(value, str) else value
    except ValueError:
        return False
    if kind.startswith("Array of"):
        return isinstance(decoded, list)
    return isinstance(decoded, dict)


@dataclass
class FakeTelegram:
    """The fake server's state; `start()` gives the base URL for `TelegramAPIServer.from_base`."""

    schema: dict[str, Any] = field(default_factory=load_schema)
    calls: list[Call] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    failures: list[Failure | None] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _update_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _server: TestServer | None = None
    base_url: str = ""

    def fail(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: int | None = None,
        description: str = "",
        after: int = 0,
    ) -> None:
        """Answer `times` calls with this error, after letting `after` calls succeed."""
        text = description or {
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
            400: "Bad Request: chat not found",
        }.get(status, "Internal Server Error")
        self.failures.extend([None] * after)
        self.failures.extend(Failure(status, text, retry_after) for _ in range(times))

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update for the next getUpdates call (kept until an offset confirms it)."""
        self.updates.append(update)
        self._update_arrived.set()

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed: gone
        if not self.updates and int(params.get("timeout", 0) or 0) > 0:
            self._update_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_arrived.wait(), 1.0)
        return list(self.updates)

    def add_file(self, file_id: str, content: bytes, path: str = "photos/file_1.jpg") -> None:
        """A file a citizen sent: `getFile` describes it, the file path serves its bytes."""
        self.files[file_id] = (path, content)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of the successful calls of one method."""
        return [c.params for c in self.calls if c.method == method]

    async def start(self) -> str:
        """Serve on a free local port; returns the base URL."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._server = TestServer(app)
        await self._server.start_server()
        return str(self._server.make_url("")).rstrip("/")

    async def close(self) -> None:
        """Stop serving."""
        if self._server is not None:
            await self._server.close()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        form = await request.post()
        return {k: v if isinstance(v, str) else "attach://file" for k, v in form.items()}

    def _validate(self, method: str, params: dict[str, Any]) -> str | None:
        spec = self.schema["methods"].get(method)
        if spec is None:
            return f"unknown method {method}"
        fields = {f["name"]: f for f in spec.get("fields", [])}
        for name, spec_field in fields.items():
            if spec_field.get("required") and name not in params:
                return f"{method}: required parameter {name} missing"
        for name, value in params.items():
            if name not in fields:
                return f"{method}: unknown parameter {name}"
            if not any(_check_scalar(t, value) for t in fields[name]["types"]):
                return f"{method}: {name}={value!r} is not {fields[name]['types']}"
        text = params.get("text")
        if isinstance(text, str) and not 1 <= len(text) <= 4096:
            return f"{method}: text length {len(text)} outside 1..4096"
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            for row in json.loads(markup).get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data")
                    if data is not None and not 1 <= len(data.encode()) <= 64:
                        return f"{method}: callback_data over 64 bytes"
        return None

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getFile":
            path, content = self.files[params["file_id"]]
            return {
                "file_id": params["file_id"],
                "file_unique_id": f"u-{params['file_id']}",
                "file_size": len(content),
                "file_path": path,
            }
        if method.startswith("send") and method != "sendChatAction":
            chat_id = params.get("chat_id", 0)
            message: dict[str, Any] = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(chat_id), "type": "private", "first_name": "Гражданин"},
                "from": BOT_USER,
            }
            if "text" in params:
                message["text"] = params["text"]
            if method == "sendPhoto":
                message["photo"] = [
                    {"file_id": "AgAD", "file_unique_id": "u1", "width": 90, "height": 90}
                ]
            return message
        return True

    async def _download(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self.downloads.append(path)
        for known, content in self.files.values():
            if known == path:
                return web.Response(body=content, content_type="application/octet-stream")
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"]
        params = await self._params(request)
        problem = self._validate(method, params)
        if problem is None and method == "getFile" and params["file_id"] not in self.files:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"},
                status=400,
            )
        if problem is not None:
            self.violations.append(problem)
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"},
                status=400,
            )
        failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        self.calls.append(Call(token, method, params))
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        return web.json_response({"ok": True, "result": self._result(method, params)})
