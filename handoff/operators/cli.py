"""`make operator`: create the first console administrator (a member of every group).

Asks for login, name and password (hidden), or takes OPERATOR_LOGIN, OPERATOR_NAME and
OPERATOR_PASSWORD from the environment for scripts. The groups of `content/handoff.yml` are
inserted first when the database has none yet, so the admin serves all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import re
import sys
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings, load_settings
from bot.storage import create_engine, create_session_factory, session_scope, utcnow
from handoff.api.schemas import LOGIN_PATTERN
from handoff.audit import record_audit
from handoff.config import load_config, seed_groups
from handoff.models import Operator, OperatorGroup, OperatorMembership, Presence, Role
from handoff.operators.auth import MIN_PASSWORD_CHARS, hash_password

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewAdmin:
    """What the command was given."""

    login: str
    name: str
    password: str


class InvalidInput(ValueError):
    """A value the command cannot accept; the message says why."""


def check(admin: NewAdmin) -> NewAdmin:
    """Validate the login, name and password the way the API does."""
    if not re.fullmatch(LOGIN_PATTERN, admin.login):
        raise InvalidInput("login: 2–80 characters, latin letters, digits and . _ @ -")
    if not admin.name.strip():
        raise InvalidInput("name must not be empty")
    if len(admin.password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_CHARS} characters")
    return NewAdmin(admin.login, admin.name.strip(), admin.password)


def ask() -> NewAdmin:
    """From the environment, else interactively (the password twice, never echoed)."""
    login = os.environ.get("OPERATOR_LOGIN") or input("Login: ").strip()
    name = os.environ.get("OPERATOR_NAME") or input("Name: ").strip()
    password = os.environ.get("OPERATOR_PASSWORD")
    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise InvalidInput("the passwords differ")
    return check(NewAdmin(login, name, password))


async def create_admin(session: AsyncSession, admin: NewAdmin, settings: Settings) -> Operator:
    """Insert the admin, a member of every group (the config's groups are seeded if missing)."""
    if await session.scalar(select(Operator.id).where(Operator.login == admin.login)) is not None:
        raise InvalidInput(f"an operator with login {admin.login!r} already exists")
    await seed_groups(session, load_config(settings.handoff_config))
    now = utcnow()
    operator = Operator(
        login=admin.login,
        name=admin.name,
        password_hash=hash_password(admin.password),
        role=Role.ADMIN,
        presence=Presence.OFFLINE,
        presence_at=now,
        created_at=now,
    )
    session.add(operator)
    await session.flush()
    codes = list(await session.scalars(select(OperatorGroup.code)))
    session.add_all(OperatorMembership(operator_id=operator.id, group_code=code) for code in codes)
    await record_audit(session, None, "operator_create", detail={"operator_id": operator.id})
    return operator


async def _main(admin: NewAdmin) -> None:
    settings = load_settings()
    engine = create_engine(settings.database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            await create_admin(session, admin, settings)
    finally:
        await engine.dispose()


def main() -> None:
    """Command line entry point."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None).parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        admin = ask()
        asyncio.run(_main(admin))
    except InvalidInput as error:
        log.error("operator not created: %s", error)
        sys.exit(1)
    except EOFError:
        log.error("operator not created: input ended (set OPERATOR_PASSWORD for scripts)")
        sys.exit(1)
    log.info("administrator %s created; log in at /console", admin.login)


if __name__ == "__main__":
    main()
