"""Load one trained model in this process and parse every evaluation phrase with it, as the bot.

Usage (Rasa's environment): .venv-rasa/bin/python bench/nlu_parse.py MODEL OUT.json SET.yml...
    [--vague FILE]

Writes OUT.json: the time to import Rasa and to load the model, the process's peak memory, the
latency of each parse (one phrase at a time, as one chat sends them), and per set every phrase's
gold intent, the intent the bot acts on (``nlu_fallback`` when the FallbackClassifier fires), the
best real intent under it with its confidence, and the gold and found ``appeal_number`` spans.
`--vague` adds phrases that mean nothing in particular, to see whether they stay under the
fallback. `bench/eval.py` runs it once per pipeline, in a fresh process each time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

FALLBACK = "nlu_fallback"
ENTITY = "appeal_number"


def load_phrases(path: Path) -> list[dict[str, Any]]:
    """The phrases of one Rasa NLU YAML file with their intent and appeal_number spans."""
    from rasa.shared.nlu.training_data.loading import (  # type: ignore[import-not-found]  # noqa: PLC0415 - late: main() times the import
        load_data,
    )

    rows = []
    for message in load_data(str(path)).intent_examples:
        spans = [
            [int(e["start"]), int(e["end"])]
            for e in message.get("entities") or []
            if e.get("entity") == ENTITY
        ]
        rows.append({"text": message.get("text"), "gold": message.get("intent"), "spans": spans})
    return rows


def answer(parsed: dict[str, Any]) -> dict[str, Any]:
    """The bot's intent, the best real intent and the found appeal_number spans of one parse."""
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    top = ranking[0] if ranking else {"name": None, "confidence": 0.0}
    second = ranking[1] if len(ranking) > 1 else {"name": None, "confidence": 0.0}
    return {
        "acted": (parsed.get("intent") or {}).get("name"),
        "top": top["name"],
        "confidence": float(top["confidence"] or 0.0),
        "second": second["name"],
        "second_confidence": float(second["confidence"] or 0.0),
        "found": [
            [int(e["start"]), int(e["end"])]
            for e in parsed.get("entities") or []
            if e.get("entity") == ENTITY
        ],
    }


async def parse_all(
    agent: Any, sets: dict[str, list[dict[str, Any]]], vague: list[str]
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]], list[float]]:
    """Every phrase parsed one at a time; the latencies in milliseconds."""
    latencies: list[float] = []

    async def one(text: str) -> dict[str, Any]:
        begun = time.perf_counter()
        parsed = await agent.parse_message(text)
        latencies.append((time.perf_counter() - begun) * 1000)
        return answer(parsed)

    # Plain loops: Python 3.10 allows no `await` in a comprehension nested in another.
    scored: dict[str, list[dict[str, Any]]] = {}
    for name, rows in sets.items():
        scored[name] = []
        for row in rows:
            scored[name].append({**row, **(await one(row["text"]))})
    vague_rows = []
    for text in vague:
        vague_rows.append({"text": text, **(await one(text))})
    return scored, vague_rows, latencies


def main() -> None:
    """Load, parse, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("sets", type=Path, nargs="+")
    parser.add_argument("--vague", type=Path)
    args = parser.parse_args()

    started = time.monotonic()
    from rasa.core.agent import Agent  # type: ignore[import-not-found]  # noqa: PLC0415 - timed

    imported = time.monotonic()
    agent = Agent.load(str(args.model))
    loaded = time.monotonic()
    sets = {path.name: load_phrases(path) for path in args.sets}
    vague = []
    if args.vague:
        vague = [
            line.strip()
            for line in args.vague.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
    scored, vague_rows, latencies = asyncio.run(parse_all(agent, sets, vague))
    ordered = sorted(latencies)
    result = {
        "import_s": imported - started,
        "load_s": loaded - imported,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "parse_ms": {
            "n": len(ordered),
            "p50": ordered[len(ordered) // 2],
            "p95": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
            "max": ordered[-1],
        },
        "sets": scored,
        "vague": vague_rows,
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    sys.stdout.write(f"{args.model.name}: loaded in {result['load_s']:.1f} s\n")


if __name__ == "__main__":
    main()
