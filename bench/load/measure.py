"""Percentiles, and CPU/memory of services around a phase."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from bench.load.drivers import Phase
from bench.load.procs import Service

T = TypeVar("T", bound=Phase)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (nan for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def measured(services: list[Service], phase: Awaitable[T]) -> T:
    """Run the phase; note each service's CPU seconds over it and its memory at the end."""
    before = {s.name: s.cpu() for s in services}
    result = await phase
    for service in services:
        result.cpu_s[service.name] = service.cpu() - before[service.name]
        result.rss_mib[service.name] = service.rss()
    return result


async def settle(services: list[Service], max_s: float = 90.0, idle_share: float = 0.2) -> float:
    """Wait until the services are idle (under `idle_share` of a core over 2 s), so the work
    left over from a phase (turns the driver gave up on) does not weigh on the next one."""
    started = time.monotonic()
    while time.monotonic() - started < max_s:
        before = sum(s.cpu() for s in services)
        await asyncio.sleep(2.0)
        if sum(s.cpu() for s in services) - before < 2.0 * idle_share:
            break
    return time.monotonic() - started


def summary(phase: Phase) -> dict[str, Any]:
    """A phase as the JSON the report reads."""
    ms = [s * 1000 for s in phase.latencies]
    acks = [s * 1000 for s in phase.acks]
    cpu_total = sum(phase.cpu_s.values())
    return {
        "system": phase.system,
        "chats": phase.chats,
        "turns_per_chat": phase.turns_per_chat,
        "fresh": phase.fresh,
        "sent": phase.sent,
        "answered": phase.answered,
        "busy_notices": phase.busy_notices,
        "wall_s": round(phase.wall_s, 2),
        "throughput": round(phase.throughput, 2),
        "p50_ms": round(percentile(ms, 0.5), 1),
        "p95_ms": round(percentile(ms, 0.95), 1),
        "p99_ms": round(percentile(ms, 0.99), 1),
        "max_ms": round(max(ms), 1) if ms else math.nan,
        "ack_p95_ms": round(percentile(acks, 0.95), 1) if acks else None,
        "cpu_ms_per_turn": {
            name: round(1000 * cpu / phase.answered, 1) if phase.answered else None
            for name, cpu in phase.cpu_s.items()
        },
        "cpu_ms_per_turn_total": round(1000 * cpu_total / phase.answered, 1)
        if phase.answered
        else None,
        "rss_mib": {name: round(mib) for name, mib in phase.rss_mib.items()},
        "note": phase.note,
    }
