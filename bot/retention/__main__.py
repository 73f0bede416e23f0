"""`python -m bot.retention purge` (also `make purge`) and `python -m bot.retention forget <chat>`.

`purge` removes every kind of data older than its period (RETENTION_*_DAYS) now, whatever the
app's own schedule; `forget telegram:123` erases one chat the way a citizen's «удалите мои
данные» does (the audit line names the CLI). Both print counts only, never personal data.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from bot.retention.forget import request_erasure
from bot.retention.models import ErasureRequest
from bot.retention.wiring import data_lifecycle
from bot.settings import load_settings
from bot.storage import create_engine, create_session_factory, session_scope, utcnow


async def _main(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    lifecycle = data_lifecycle(settings, sessions)
    try:
        if args.command == "purge":
            counts = await lifecycle.purge.run(utcnow())
            print(json.dumps(counts, ensure_ascii=False, sort_keys=True))
            return 0
        async with session_scope(sessions) as session:
            await request_erasure(session, args.conversation, "cli")
        async with sessions() as session:
            request = await session.get(ErasureRequest, args.conversation)
        erased = request is not None and await lifecycle.eraser.erase(request, utcnow())
        print("erased" if erased else "busy: a turn holds the chat, the app will erase it")
        return 0 if erased else 1
    finally:
        await lifecycle.tracker.close()
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parse the command and run it."""
    parser = argparse.ArgumentParser(prog="python -m bot.retention", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("purge", help="remove data older than its retention period")
    forget = commands.add_parser("forget", help="erase one chat (right to be forgotten)")
    forget.add_argument("conversation", help="the chat as `<channel>:<chat id>`")
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
