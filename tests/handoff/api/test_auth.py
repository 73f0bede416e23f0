"""Login, sessions, lockout and password storage of the console."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.settings import PROJECT_ROOT
from bot.storage import session_scope, utcnow
from handoff.models import AuditEntry, ConsoleSession, Operator, OperatorMembership
from handoff.operators import auth
from handoff.operators.auth import LOCKOUT, MAX_FAILED_LOGINS, token_hash
from tests.handoff.api.conftest import PASSWORD, Console


async def test_login_returns_me_and_csrf_and_sets_a_strict_cookie(console: Console) -> None:
    user = await console.user()
    async with user.http.post(
        user.instance.url("/api/login"), json={"login": "op1", "password": PASSWORD}
    ) as response:
        assert response.status == 200
        body = await response.json()
        cookie = response.cookies["gp_console"]
    assert body["operator"] == {
        "id": console.staff["op1"],
        "login": "op1",
        "name": "Оператор op1",
        "role": "operator",
        "presence": "offline",
        "max_chats": 3,
        "groups": ["access"],
    }
    assert len(body["csrf_token"]) >= 32
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/"
    assert not cookie["secure"]  # PUBLIC_URL is not https in the test
    async with console.sessions() as session:
        row = await session.get(ConsoleSession, token_hash(cookie.value))
        assert row is not None, "the database keeps only the token's hash"
        assert await session.get(ConsoleSession, cookie.value) is None
        assert row.csrf_token == body["csrf_token"]
        assert (
            timedelta(hours=11, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=12)
        )


async def test_me_and_logout(console: Console) -> None:
    user = await console.user("sup")
    status, me = await user.call("GET", "/api/me")
    assert status == 200
    assert me["operator"]["role"] == "supervisor"
    assert me["csrf_token"] == user.csrf
    status, _ = await user.call("POST", "/api/logout")
    assert status == 204
    assert (await user.call("GET", "/api/me"))[0] == 401
    async with console.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["login", "logout"] or actions[-3:] == ["login", "presence", "logout"]


async def test_expired_session_is_refused(console: Console) -> None:
    user = await console.user("op1")
    async with session_scope(console.sessions) as session:
        await session.execute(
            update(ConsoleSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await user.call("GET", "/api/me"))[0] == 401


async def test_unknown_login_and_wrong_password_look_the_same(console: Console) -> None:
    user = await console.user()
    unknown = await user.login("nobody", PASSWORD)
    wrong = await user.login("op1", "не-тот-пароль")
    assert unknown == wrong
    assert unknown[0] == 401
    assert unknown[1]["error"] == "Неверный логин или пароль."


async def test_five_failed_logins_lock_the_account_for_fifteen_minutes(console: Console) -> None:
    user = await console.user()
    statuses = [(await user.login("op2", "неверно"))[0] for _ in range(MAX_FAILED_LOGINS)]
    assert statuses == [401] * (MAX_FAILED_LOGINS - 1) + [423]
    status, body = await user.login("op2", PASSWORD)  # even the right password now
    assert status == 423
    assert "15 минут" in body["error"]
    assert (await user.login("op1", PASSWORD))[0] == 200, "other accounts are not affected"
    async with session_scope(console.sessions) as session:
        operator = await session.get(Operator, console.staff["op2"])
        assert operator is not None
        assert operator.locked_until is not None
        remaining = operator.locked_until - utcnow()
        assert LOCKOUT - timedelta(minutes=1) < remaining <= LOCKOUT
        operator.locked_until = utcnow() - timedelta(seconds=1)  # the quarter of an hour passed
    assert (await user.login("op2", PASSWORD))[0] == 200
    async with console.sessions() as session:
        audit = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.operator_id == console.staff["op2"])
            )
        )
    assert audit.count("login_failed") == MAX_FAILED_LOGINS
    assert "locked" in audit
    assert "login_locked" in audit
    assert audit[-1] == "login"


async def test_a_burst_of_parallel_guesses_gets_at_most_five_checks(console: Console) -> None:
    users = [await console.user() for _ in range(8)]
    answers = await asyncio.gather(
        *(user.login("op2", f"догадка-{n}") for n, user in enumerate(users))
    )
    statuses = sorted(status for status, _ in answers)
    assert set(statuses) <= {401, 423}
    assert 423 in statuses
    assert (await users[0].login("op2", PASSWORD))[0] == 423
    async with console.sessions() as session:
        checked = list(
            await session.scalars(
                select(AuditEntry.id).where(
                    AuditEntry.operator_id == console.staff["op2"],
                    AuditEntry.action == "login_failed",
                )
            )
        )
    assert 1 <= len(checked) <= MAX_FAILED_LOGINS


async def test_password_is_stored_as_an_argon2id_hash(console: Console) -> None:
    admin = await console.user("adm")
    password = "новый-пароль-оператора"
    status, created = await admin.call(
        "POST",
        "/api/operators",
        {"login": "newbie", "name": "Новый Оператор", "password": password, "groups": ["access"]},
    )
    assert status == 201, created
    assert "password" not in created
    async with console.sessions() as session:
        stored = await session.scalar(
            select(Operator.password_hash).where(Operator.login == "newbie")
        )
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert password not in stored
    newbie = await console.user()
    assert (await newbie.login("newbie", password))[0] == 200


async def run_cli(env: dict[str, str]) -> tuple[int, str]:
    """`python -m handoff.operators.cli` (what `make operator` runs); exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handoff.operators.cli",
        cwd=PROJECT_ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, output.decode()


async def test_make_operator_creates_an_admin_of_every_group(
    database_url: str, console: Console
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OPERATOR_LOGIN": "chief",
        "OPERATOR_NAME": "Главный Администратор",
        "OPERATOR_PASSWORD": "очень-секретный-пароль",
    }
    done = await run_cli(env)
    assert done[0] == 0, done[1]
    assert "очень-секретный-пароль" not in done[1]
    chief = await console.user()
    status, body = await chief.login("chief", "очень-секретный-пароль")
    assert status == 200
    assert body["operator"]["role"] == "admin"
    assert body["operator"]["groups"] == ["access", "appeals", "technical"]
    again = await run_cli(env)
    assert again[0] == 1, "an existing login is never overwritten"
    async with console.sessions() as session:
        memberships = await session.scalars(
            select(OperatorMembership.group_code).where(
                OperatorMembership.operator_id == body["operator"]["id"]
            )
        )
        assert sorted(memberships) == ["access", "appeals", "technical"]


async def test_a_login_flood_is_refused_instead_of_queueing_password_checks(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2 costs real CPU: beyond the checks a process will queue, logins get 429 at once."""
    monkeypatch.setattr(auth, "MAX_WAITING_CHECKS", 0)
    user = await console.user()
    status, body = await user.login("nobody", "whatever-password")
    assert status == 429
    assert "попробуйте снова" in body["error"]
    monkeypatch.setattr(auth, "MAX_WAITING_CHECKS", 16)
    assert (await user.login("op1", PASSWORD))[0] == 200


async def test_make_operator_refuses_a_login_the_admin_api_would_refuse(
    database_url: str, console: Console
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OPERATOR_LOGIN": "главный админ",
        "OPERATOR_NAME": "Главный Администратор",
        "OPERATOR_PASSWORD": "очень-секретный-пароль",
    }
    code, output = await run_cli(env)
    assert code == 1
    assert "login" in output
    assert "очень-секретный-пароль" not in output
    async with console.sessions() as session:
        assert (
            await session.scalar(select(Operator.id).where(Operator.name.like("Главный%"))) is None
        )
