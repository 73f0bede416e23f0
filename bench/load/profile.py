"""Reads py-spy's raw (collapsed) stacks: the functions that cost the most CPU per turn."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
OURS = ("bot/", "adapters/", "handoff/", "actions/")


def _frame_name(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match.group("file")
    for marker in (f"{ROOT}/", "site-packages/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match.group('func')} ({path})"


def top_functions(stacks: Path, rate_hz: int, turns: int, limit: int = 25) -> dict[str, Any]:
    """Self and inclusive samples per function, as ms of CPU per turn."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    ours_inclusive: Counter[str] = Counter()
    total = 0
    for line in stacks.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
            if any(name.split(" (", 1)[-1].startswith(p) for p in OURS):
                ours_inclusive[name] += count

    def per_turn(samples: int) -> float:
        return round(1000 * samples / rate_hz / max(1, turns), 2)

    return {
        "samples": total,
        "ms_per_turn_sampled": per_turn(total),
        "self": [(name, n, per_turn(n)) for name, n in own.most_common(limit)],
        "ours_inclusive": [(name, n, per_turn(n)) for name, n in ours_inclusive.most_common(limit)],
        "inclusive": [(name, n, per_turn(n)) for name, n in inclusive.most_common(limit)],
    }
