"""Console API fixtures: the real app (one or two instances on one database), operators, clients."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.models import Conversation, TranscriptEntry
from bot.settings import Settings
from bot.storage import session_scope, utcnow
from handoff.config import GroupConfig, HandoffConfig, seed_groups
from handoff.keys import HANDOFF
from handoff.models import ChatStatus, HandoffChat, Operator, OperatorMembership, Role
from handoff.operators.auth import CSRF_HEADER, hash_password
from handoff.service import HandoffService
from workcalendar import DayHours, WeekHours

PASSWORD = "верный-пароль-42"
ALL_DAY = DayHours(open="00:00", close="24:00")
# groups open around the clock, so a test never depends on the hour it runs at
CONFIG = HandoffConfig(
    groups=[
        GroupConfig(
            code=code,
            title=title,
            topics=topics,
            hours=WeekHours(weekday=ALL_DAY, weekend=ALL_DAY, holiday=ALL_DAY),
        )
        for code, title, topics in (
            ("access", "Доступ и учётная запись", ["access", "general"]),
            ("appeals", "Заявления и обращения", ["appeals"]),
            ("technical", "Технические сбои", ["technical"]),
        )
    ]
)


async def console_app(database_url: str, rasa_url: str, **overrides: Any) -> web.Application:
    """The app as `create_app` builds it, with the console API and the handoff service.

    `overrides` are further settings (channel tokens and API URLs, limits).
    """
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        rasa_url=rasa_url,
        rasa_token=SecretStr("t"),
        **overrides,
    )
    return await create_app(settings, run_workers=False)


@dataclass
class Instance:
    """One running app instance."""

    app: web.Application
    server: TestServer

    @property
    def service(self) -> HandoffService:
        """The instance's handoff service."""
        return self.app[HANDOFF]

    def url(self, path: str) -> str:
        """Absolute URL of a path on this instance."""
        return str(self.server.make_url(path))


class ConsoleUser:
    """A browser of one operator: its own cookie jar, and the CSRF token from login."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    async def login(self, login: str, password: str = PASSWORD) -> tuple[int, Any]:
        """POST /api/login; keeps the CSRF token on success."""
        status, body = await self.call("POST", "/api/login", {"login": login, "password": password})
        if status == 200:
            self.csrf = body["csrf_token"]
        return status, body

    async def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        csrf: str | None = None,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """One request with the session cookie and (unless given otherwise) the CSRF header."""
        headers = {CSRF_HEADER: self.csrf if csrf is None else csrf}
        if csrf == "":
            headers = {}
        async with self.http.request(
            method, self.instance.url(path), json=json, headers=headers, params=params
        ) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()

    async def close(self) -> None:
        """Close the browser."""
        await self.http.close()


@dataclass
class Console:
    """Everything a console test needs: instances, sessions, operators, browsers."""

    instances: list[Instance]
    sessions: async_sessionmaker[AsyncSession]
    staff: dict[str, int]
    users: list[ConsoleUser]

    @property
    def main(self) -> Instance:
        """The first instance."""
        return self.instances[0]

    async def user(self, login: str | None = None, instance: int = 0) -> ConsoleUser:
        """A browser on an instance, logged in as `login` when given."""
        user = ConsoleUser(self.instances[instance])
        self.users.append(user)
        if login is not None:
            status, _ = await user.login(login)
            assert status == 200
        return user


STAFF = {
    "op1": (Role.OPERATOR, ["access"]),
    "op2": (Role.OPERATOR, ["access"]),
    "tech": (Role.OPERATOR, ["technical"]),
    "sup": (Role.SUPERVISOR, []),
    "adm": (Role.ADMIN, ["access", "appeals", "technical"]),
}


async def add_staff(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """The groups and one account per role (all with PASSWORD); login -> id."""
    password_hash = hash_password(PASSWORD)
    ids = {}
    async with session_scope(sessions) as session:
        await seed_groups(session, CONFIG)
        for login, (role, groups) in STAFF.items():
            operator = Operator(
                login=login, name=f"Оператор {login}", password_hash=password_hash, role=role
            )
            session.add(operator)
            await session.flush()
            session.add_all(
                OperatorMembership(operator_id=operator.id, group_code=g) for g in groups
            )
            ids[login] = operator.id
    return ids


class InstancesFactory(Protocol):
    """`make_console(count, **settings)`: `count` app instances on one database."""

    async def __call__(self, count: int, **overrides: Any) -> Console: ...


@pytest.fixture
async def make_console(
    database_url: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    rasa_like: tuple[Any, str],
) -> AsyncIterator[InstancesFactory]:
    """Start `n` app instances on one database, with the staff accounts."""
    started: list[Console] = []

    async def start(count: int, **overrides: Any) -> Console:
        staff = await add_staff(sessions)
        instances = []
        for _ in range(count):
            app = await console_app(database_url, rasa_like[1], **overrides)
            server = TestServer(app, host="127.0.0.1")
            await server.start_server()
            instances.append(Instance(app, server))
        console = Console(instances, sessions, staff, [])
        started.append(console)
        return console

    yield start
    for console in started:
        for user in console.users:
            await user.close()
        for instance in console.instances:
            with contextlib.suppress(Exception):
                await instance.service.settle()
            await instance.server.close()


@pytest.fixture
async def console(make_console: InstancesFactory) -> Console:
    """One app instance."""
    return await make_console(1)


async def seed_chat(
    sessions: async_sessionmaker[AsyncSession],
    chat: str,
    group: str = "access",
    *,
    status: ChatStatus = ChatStatus.QUEUED,
    queued_at: datetime | None = None,
    lines: tuple[tuple[str, str], ...] = (("citizen", "позовите оператора"),),
    **fields: Any,
) -> int:
    """A web chat conversation with transcript lines and a handoff chat row; returns its id."""
    now = utcnow()
    conversation_id = f"webchat:{chat}"
    async with session_scope(sessions) as session:
        if await session.get(Conversation, conversation_id) is None:
            session.add(
                Conversation(
                    id=conversation_id,
                    channel="webchat",
                    chat_id=chat,
                    state="handoff",
                    last_activity_at=now,
                )
            )
            await session.flush()
        for author, text in lines:
            session.add(TranscriptEntry(conversation_id=conversation_id, author=author, text=text))
        row = HandoffChat(
            number=f"ОП-{chat}",
            conversation_id=conversation_id,
            channel="webchat",
            chat_id=chat,
            group_code=group,
            topic=group,
            reason="requested",
            status=status,
            queued_at=queued_at or now,
            version=1,
            **{"updated_at": now, **fields},
        )
        session.add(row)
        await session.flush()
        return row.id


async def editor_user(console: Console, login: str = "ed") -> ConsoleUser:
    """A content editor's browser, signed in; the admin creates the account first."""
    admin = await console.user("adm")
    account = {
        "login": login,
        "name": f"Редактор {login}",
        "password": "пароль-редактора",
        "role": "editor",
        "max_chats": 1,
        "groups": [],
        "active": True,
    }
    status, _ = await admin.call("POST", "/api/operators", account)
    assert status == 201
    user = await console.user()
    assert (await user.login(login, "пароль-редактора"))[0] == 200
    return user
