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
import sys

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings, load_settings
from bot.storage import create_engine, create_session_factory, session_scope, utcnow
from handoff.config import load_config, seed_groups
from handoff.models import Operator, Role
from handoff.operators.accounts import (
    LoginTaken,
    OperatorCreate,
    all_group_codes,
    create_operator,
)

log = logging.getLogger(__name__)


class InvalidInput(ValueError):
    """A value the command cannot accept; the message says why."""


def ask() -> tuple[str, str, str]:
    """Login, name and password from the environment, else interactively (the password twice,
    never echoed)."""
    login = os.environ.get("OPERATOR_LOGIN") or input("Login: ").strip()
    name = os.environ.get("OPERATOR_NAME") or input("Name: ").strip()
    password = os.environ.get("OPERATOR_PASSWORD")
    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise InvalidInput("the passwords differ")
    return login, name, password


def admin_fields(login: str, name: str, password: str, groups: list[str]) -> OperatorCreate:
    """The admin's account, validated by the same model the admin API uses."""
    try:
        return OperatorCreate(
            login=login, name=name, password=password, role=Role.ADMIN, groups=groups
        )
    except ValidationError as error:
        fields = ", ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise InvalidInput(fields) from error


async def create_admin(
    session: AsyncSession, login: str, name: str, password: str, settings: Settings
) -> Operator:
    """Insert the admin, a member of every group (the config's groups are seeded if missing)."""
    await seed_groups(session, load_config(settings.handoff_config))
    fields = admin_fields(login, name, password, await all_group_codes(session))
    try:
        return await create_operator(session, fields, by=None, now=utcnow())
    except LoginTaken as error:
        raise InvalidInput(f"an operator with login {login!r} already exists") from error


async def _main(login: str, name: str, password: str) -> None:
    settings = load_settings()
    engine = create_engine(settings.database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            await create_admin(session, login, name, password, settings)
    finally:
        await engine.dispose()


def main() -> None:
    """Command line entry point."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None).parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        login, name, password = ask()
        admin_fields(login, name, password, [])  # refuse bad input before touching the database
        asyncio.run(_main(login, name, password))
    except InvalidInput as error:
        log.error("operator not created: %s", error)
        sys.exit(1)
    except EOFError:
        log.error("operator not created: input ended (set OPERATOR_PASSWORD for scripts)")
        sys.exit(1)
    log.info("administrator %s created; log in at /console", login)


if __name__ == "__main__":
    main()
