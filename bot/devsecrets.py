"""`python -m bot.devsecrets`: random secrets for one checkout's `make run`, as make variables.

Each line is `NAME ?= value` plus `export NAME`, so a variable set in the environment (or by
the operator of the machine) still wins. The file lives in var/ and is never committed.
"""

from __future__ import annotations

import secrets
import sys

GENERATED = ("RASA_TOKEN", "ACTION_SERVER_TOKEN", "SESSION_SECRET", "FACTS_SIGNING_KEY")


def render(names: tuple[str, ...] = GENERATED) -> str:
    """The make fragment: a fresh 256-bit secret for each name."""
    lines = []
    for name in names:
        lines.append(f"{name} ?= {secrets.token_urlsafe(32)}")
        lines.append(f"export {name}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
