"""Start-up calls to a channel's API (registering a webhook) that must not block or kill the app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def keep_trying(
    what: str,
    call: Callable[[], Awaitable[object]],
    *,
    attempts: int = 8,
    first_delay_s: float = 0.5,
    max_delay_s: float = 60.0,
) -> bool:
    """Call until it returns without raising, with exponential backoff; False when it never did.

    Runs as a background task: a channel that is down at start-up must not stop the app from
    serving the others, and Viber's `set_webhook` even needs our server to be listening.
    """
    delay = first_delay_s
    for attempt in range(1, attempts + 1):
        try:
            await call()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any API or network failure: log it and try again
            log.warning(
                "start-up call failed", extra={"call": what, "attempt": attempt, "error": str(exc)}
            )
            await asyncio.sleep(delay)
            delay = min(max_delay_s, delay * 2)
            continue
        log.info("start-up call done", extra={"call": what})
        return True
    log.error("start-up call gave up", extra={"call": what, "attempts": attempts})
    return False
