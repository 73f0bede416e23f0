"""Console authentication: argon2id passwords, cookie sessions, CSRF tokens, lockout, roles.

The cookie holds a random token; the database keeps only its sha256, so a leaked table cannot be
replayed. Every mutating request must also carry the session's CSRF token in `X-CSRF-Token`.
Unknown login and wrong password look exactly the same from outside (same text, a hash check
either way); five failures in a row lock the account for fifteen minutes.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from handoff.audit import record_audit
from handoff.models import ConsoleSession, Operator, Role

COOKIE = "gp_console"
CSRF_HEADER = "X-CSRF-Token"
SESSION_TTL = timedelta(hours=12)
SEEN_RESOLUTION = timedelta(seconds=15)  # how often a live console refreshes `last_seen_at`
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_CHARS = 10


class Audience(StrEnum):
    """Who a route is for when that is not one role: anyone signed in (who am I, log out)."""

    SIGNED_IN = "signed_in"


RouteRole = Role | Audience
# Which routes' roles each user role satisfies. Not a ladder: an editor works on the bot's
# training and sees no citizen's chat; an admin may do everything.
ROUTE_ROLES_OF: dict[Role, frozenset[RouteRole]] = {
    Role.OPERATOR: frozenset({Role.OPERATOR, Audience.SIGNED_IN}),
    Role.SUPERVISOR: frozenset({Role.OPERATOR, Role.SUPERVISOR, Audience.SIGNED_IN}),
    Role.EDITOR: frozenset({Role.EDITOR, Audience.SIGNED_IN}),
    Role.ADMIN: frozenset({*Role, Audience.SIGNED_IN}),
}

MAX_PARALLEL_CHECKS = 2
MAX_WAITING_CHECKS = 16
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    """Verified against when the login is unknown, so both failures cost the same time."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash (salted, parameters encoded in the string) of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches the stored hash; False for a mismatch or a broken hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_off_loop(password: str) -> str:
    """`hash_password` in a worker thread: argon2 takes about half a second of CPU on purpose."""
    return await asyncio.to_thread(hash_password, password)


class TooManyChecks(Exception):
    """More password checks are waiting than the process will queue: refuse, don't pile up."""


_checks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)
_waiting = 0


def _check_slots() -> asyncio.Semaphore:
    """The running loop's semaphore (an asyncio primitive belongs to one loop)."""
    loop = asyncio.get_running_loop()
    slots = _checks.get(loop)
    if slots is None:
        slots = _checks[loop] = asyncio.Semaphore(MAX_PARALLEL_CHECKS)
    return slots


async def verify_password_off_loop(password_hash: str, password: str) -> bool:
    """`verify_password` in a worker thread, at most MAX_PARALLEL_CHECKS at once per process.

    argon2 is slow on purpose; a flood of logins (unknown names included) could otherwise take
    every core. Beyond MAX_WAITING_CHECKS queued checks the attempt is refused at once.
    """
    global _waiting  # noqa: PLW0603 - one counter per process, like the semaphore it guards
    if _waiting >= MAX_WAITING_CHECKS:
        raise TooManyChecks
    _waiting += 1
    try:
        async with _check_slots():
            return await asyncio.to_thread(verify_password, password_hash, password)
    finally:
        _waiting -= 1


def may_use(role: str, route_role: RouteRole) -> bool:
    """Whether a user with `role` may use a route declared for `route_role`; an unknown role
    (a row written by a newer release, say) may use nothing."""
    try:
        return route_role in ROUTE_ROLES_OF[Role(role)]
    except ValueError:
        return False


def token_hash(token: str) -> str:
    """How a session token is stored: its sha256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


class LoginResult(StrEnum):
    """How a login attempt ended."""

    OK = "ok"
    FAILED = "failed"  # unknown login, wrong password or a deactivated account
    LOCKED = "locked"


@dataclass
class LoginOutcome:
    """The attempt's result; on success the operator and the new session's secrets."""

    result: LoginResult
    operator: Operator | None = None
    token: str = ""
    csrf_token: str = ""


async def login(
    session: AsyncSession, login_name: str, password: str, now: datetime
) -> LoginOutcome:
    """Check the credentials, count failures, lock after too many, and open a session.

    Each attempt is counted (and committed) before the password is checked, so a burst of
    parallel guesses gets at most MAX_FAILED_LOGINS checks, on one instance or several; a
    success resets the count. The caller commits the rest whatever the outcome.
    """
    operator = await session.scalar(select(Operator).where(Operator.login == login_name))
    if operator is None:
        await verify_password_off_loop(await asyncio.to_thread(_dummy_hash), password)
        # not the login itself: people type their password into the login field by mistake
        await record_audit(session, None, "login_failed", detail={"unknown_login": True})
        return LoginOutcome(LoginResult.FAILED)
    if operator.locked_until is not None:
        if operator.locked_until > now:
            await record_audit(session, operator.id, "login_locked")
            return LoginOutcome(LoginResult.LOCKED)
        # the lock ran out: count afresh (one reset even when attempts arrive together)
        await session.execute(
            update(Operator)
            .where(Operator.id == operator.id, Operator.locked_until == operator.locked_until)
            .values(failed_logins=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )
    attempts = await _count_attempt(session, operator, now)
    if attempts is None:  # locked by a parallel attempt meanwhile
        await record_audit(session, operator.id, "login_locked")
        return LoginOutcome(LoginResult.LOCKED)
    if attempts > MAX_FAILED_LOGINS:  # others are guessing right now: the account locks
        return await _lock(session, operator, now)
    await session.commit()  # the reservation holds while the (slow) check runs
    if not await verify_password_off_loop(operator.password_hash, password) or not operator.active:
        await record_audit(session, operator.id, "login_failed", detail={"attempt": attempts})
        if attempts >= MAX_FAILED_LOGINS:
            return await _lock(session, operator, now)
        return LoginOutcome(LoginResult.FAILED)
    operator.failed_logins = 0
    operator.locked_until = None
    if _hasher.check_needs_rehash(operator.password_hash):
        operator.password_hash = await hash_password_off_loop(password)
    await session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            token_hash=token_hash(token),
            operator_id=operator.id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=now + SESSION_TTL,
        )
    )
    await record_audit(session, operator.id, "login")
    return LoginOutcome(LoginResult.OK, operator, token, csrf_token)


async def _count_attempt(session: AsyncSession, operator: Operator, now: datetime) -> int | None:
    """Add one to the attempts in SQL (parallel attempts all count): the new count, or None
    when the account is locked."""
    counted = await session.execute(
        update(Operator)
        .where(
            Operator.id == operator.id,
            Operator.locked_until.is_(None) | (Operator.locked_until <= now),
        )
        .values(failed_logins=Operator.failed_logins + 1)
        .returning(Operator.failed_logins)
        .execution_options(synchronize_session=False)
    )
    attempts = counted.scalar_one_or_none()
    if attempts is None:
        return None
    set_committed_value(operator, "failed_logins", attempts)  # already written, not dirty
    set_committed_value(operator, "locked_until", None)
    return int(attempts)


async def _lock(session: AsyncSession, operator: Operator, now: datetime) -> LoginOutcome:
    """Lock for LOCKOUT; the count stays up until the lock runs out or a password reset."""
    operator.locked_until = now + LOCKOUT
    await record_audit(session, operator.id, "locked", detail={"until": now + LOCKOUT})
    return LoginOutcome(LoginResult.LOCKED)


async def current_session(
    session: AsyncSession, token: str | None, now: datetime
) -> tuple[Operator, ConsoleSession] | None:
    """The active operator and session row behind a cookie token, or None when it is not valid."""
    if not token:
        return None
    row = await session.get(ConsoleSession, token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    operator = await session.get(Operator, row.operator_id)
    if operator is None or not operator.active:
        return None
    if operator.last_seen_at is None or now - operator.last_seen_at > SEEN_RESOLUTION:
        operator.last_seen_at = now  # presence heartbeat: kept when the caller commits
    return operator, row


async def logout(session: AsyncSession, console_session: ConsoleSession) -> None:
    """End the session: its row goes, so the cookie is worthless from now on."""
    await record_audit(session, console_session.operator_id, "logout")
    await session.delete(console_session)


def csrf_ok(console_session: ConsoleSession, header: str | None) -> bool:
    """Whether the request carries the session's CSRF token (compared in constant time)."""
    if not header:
        return False
    return secrets.compare_digest(console_session.csrf_token.encode(), header.encode())


def set_session_cookie(response: web.StreamResponse, token: str, *, secure: bool) -> None:
    """The session cookie: not readable by scripts, never sent cross-site, https-only behind TLS."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=secure,
    )


def clear_session_cookie(response: web.StreamResponse, *, secure: bool) -> None:
    """Tell the browser to forget the session cookie."""
    response.del_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="Strict")
