"""Ticket-store administration from the command line: `python -m actions.cli set-status …`.

This is the entry point for an agency's status feed or a back-office operator: a status change
is recorded in the appeal's history and owes a notification to every subscribed chat, which the
app then delivers through its outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from actions.store.models import AppealStatus
from actions.store.notifications import UnknownAppeal, change_status
from bot.settings import load_settings
from bot.storage import create_engine, create_session_factory, session_scope, utcnow

log = logging.getLogger(__name__)


async def set_status(
    database_url: str, number: str, status: AppealStatus, comment: str | None
) -> int:
    """Change the appeal's status; returns how many chats will be notified."""
    engine = create_engine(database_url)
    try:
        async with session_scope(create_session_factory(engine)) as session:
            return await change_status(session, number, status, at=utcnow(), comment=comment)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command; the exit code says whether it worked."""
    parser = argparse.ArgumentParser(prog="python -m actions.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("set-status", help="change an appeal's status")
    status.add_argument("number", help="appeal number, e.g. 1234567890 or AB-987654321")
    status.add_argument("status", choices=[s.value for s in AppealStatus])
    status.add_argument("--comment", help="specialist's comment shown to the citizen")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    try:
        notified = asyncio.run(
            set_status(
                load_settings().database_url, args.number, AppealStatus(args.status), args.comment
            )
        )
    except UnknownAppeal:
        print(f"no appeal has the number {args.number}")
        return 1
    print(f"status of {args.number} is now {args.status}; chats to notify: {notified}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
