"""A local Viber REST API for tests: `/set_webhook`, `/send_message`, `/get_account_info`.

Checks what the real API checks (auth token header, JSON under 30 KB, required fields, text and
keyboard limits, `min_api_version` 3 for share-phone) and records violations, which tests assert
empty. `set_webhook` calls the webhook back with a signed `webhook` event, as Viber does, and
fails with status 1 unless it gets a 200. `fail(...)` scripts rate-limit (status 12) or HTTP 5xx
bursts; `unsubscribed` receivers get status 6.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

MAX_BODY = 30 * 1024
ACTION_TYPES = {"reply", "open-url", "location-picker", "share-phone", "none"}
MESSAGE_TYPES = {"text", "picture", "video", "file", "location", "contact", "sticker", "url"}


@dataclass
class ViberCall:
    """One accepted API call, with the monotonic time it arrived."""

    endpoint: str
    body: dict[str, Any]
    at: float


@dataclass
class FakeViber:
    """The fake server's state; `base_url` is what VIBER_API_URL points at."""

    token: str
    calls: list[ViberCall] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    failures: list[str | None] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)
    webhook: str | None = None
    tokens_sent: list[int] = field(default_factory=list)  # message_token of each accepted send
    _tokens: itertools.count[int] = field(default_factory=lambda: itertools.count(5_000_000_001))
    _server: TestServer | None = None
    base_url: str = ""

    def fail(self, kind: str, times: int = 1, *, after: int = 0) -> None:
        """Answer `times` send calls with `rate` (status 12) or `5xx` (HTTP 500), after `after`."""
        self.failures.extend([None] * after)
        self.failures.extend([kind] * times)

    def sent(self) -> list[dict[str, Any]]:
        """Bodies of the accepted send_message calls."""
        return [c.body for c in self.calls if c.endpoint == "send_message"]

    def sign(self, body: bytes) -> str:
        """The signature Viber puts on a callback."""
        return hmac.new(self.token.encode(), body, hashlib.sha256).hexdigest()

    async def start(self) -> str:
        """Serve on a free local port; returns the base URL (like https://chatapi.viber.com/pa)."""
        app = web.Application()
        app.router.add_post("/pa/{endpoint}", self._handle)
        self._server = TestServer(app)
        await self._server.start_server()
        self.base_url = str(self._server.make_url("/pa"))
        return self.base_url

    async def close(self) -> None:
        """Stop serving."""
        if self._server is not None:
            await self._server.close()

    def _violation(self, problem: str) -> web.Response:
        self.violations.append(problem)
        return web.json_response({"status": 3, "status_message": f"badData: {problem}"})

    def _check_keyboard(self, body: dict[str, Any]) -> str | None:
        keyboard = body.get("keyboard")
        if keyboard is None:
            return None
        buttons = keyboard.get("Buttons") if isinstance(keyboard, dict) else None
        if keyboard.get("Type") != "keyboard" or not isinstance(buttons, list) or not buttons:
            return "keyboard needs Type=keyboard and Buttons"
        if len(buttons) > 24:
            return "too many buttons"
        for button in buttons:
            if button.get("ActionType", "reply") not in ACTION_TYPES:
                return f"unknown ActionType {button.get('ActionType')}"
            action_body = button.get("ActionBody")
            if not isinstance(action_body, str) or not action_body:
                return "ActionBody is required"
            if len(str(button.get("Text", ""))) > 250:
                return "button Text over 250 characters"
            if button.get("Columns", 6) not in range(1, 7):
                return "Columns must be 1..6"
            if button.get("ActionType") == "share-phone" and body.get("min_api_version", 1) < 3:
                return "share-phone needs min_api_version 3"
        return None

    def _check_send(self, body: dict[str, Any]) -> str | None:
        if not isinstance(body.get("receiver"), str) or not body["receiver"]:
            return "receiver is required"
        sender = body.get("sender")
        if not isinstance(sender, dict) or not isinstance(sender.get("name"), str):
            return "sender.name is required"
        if len(sender["name"]) > 28:
            return "sender.name over 28 characters"
        if body.get("type") not in MESSAGE_TYPES:
            return f"unknown type {body.get('type')}"
        if body["type"] == "text":
            text = body.get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= 7000:
                return "text must have 1..7000 characters"
        if body["type"] == "picture" and not isinstance(body.get("media"), str):
            return "picture needs media"
        tracking = body.get("tracking_data")
        if tracking is not None and (not isinstance(tracking, str) or len(tracking) > 4000):
            return "tracking_data must be a string of at most 4000 characters"
        return self._check_keyboard(body)

    async def _call_back(self, url: str) -> bool:
        event = {
            "event": "webhook",
            "timestamp": int(time.time() * 1000),
            "chat_hostname": "SN-FAKE",
            "message_token": next(self._tokens),
        }
        raw = json.dumps(event).encode()
        headers = {"X-Viber-Content-Signature": self.sign(raw), "Content-Type": "application/json"}
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.post(url, data=raw, headers=headers) as response,
            ):
                return response.status == 200
        except aiohttp.ClientError:
            return False

    async def _handle(self, request: web.Request) -> web.Response:
        endpoint = request.match_info["endpoint"]
        raw = await request.read()
        if request.headers.get("X-Viber-Auth-Token") != self.token:
            return web.json_response({"status": 2, "status_message": "invalidAuthToken"})
        if len(raw) > MAX_BODY:
            return self._violation(f"request of {len(raw)} bytes is over 30 KB")
        try:
            body = json.loads(raw)
        except ValueError:
            return self._violation("not JSON")
        if not isinstance(body, dict):
            return self._violation("not a JSON object")
        if endpoint == "set_webhook":
            url = body.get("url")
            if not isinstance(url, str):
                return self._violation("set_webhook needs url")
            if not await self._call_back(url):
                return web.json_response({"status": 1, "status_message": "invalidUrl"})
            self.webhook = url
            self.calls.append(ViberCall(endpoint, body, time.monotonic()))
            return web.json_response(
                {"status": 0, "status_message": "ok", "event_types": body.get("event_types", [])}
            )
        if endpoint == "get_account_info":
            self.calls.append(ViberCall(endpoint, body, time.monotonic()))
            return web.json_response(
                {"status": 0, "status_message": "ok", "id": "pa:1", "webhook": self.webhook or ""}
            )
        if endpoint != "send_message":
            return web.json_response({"status": 3, "status_message": "badData"}, status=404)
        problem = self._check_send(body)
        if problem is not None:
            return self._violation(problem)
        failure = self.failures.pop(0) if self.failures else None
        if failure == "rate":
            return web.json_response({"status": 12, "status_message": "Too many requests"})
        if failure == "5xx":
            return web.Response(status=500, text="Internal Server Error")
        if body["receiver"] in self.unsubscribed:
            return web.json_response({"status": 6, "status_message": "receiverNotSubscribed"})
        self.calls.append(ViberCall(endpoint, body, time.monotonic()))
        self.tokens_sent.append(next(self._tokens))
        return web.json_response(
            {"status": 0, "status_message": "ok", "message_token": self.tokens_sent[-1]}
        )
