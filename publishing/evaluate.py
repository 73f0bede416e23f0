"""Evaluate one model on the held-out sets, as the bot acts on them (the fallback counted).

The model is loaded in Rasa's environment by `bench/nlu_parse.py` (the same script `make eval`
runs) and the answers are scored here by `bench/nlu_metrics.py`, so the gate and `make eval`
compute the same figures.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.eval import predictions
from bench.nlu_metrics import SetScores, score_as_bot
from publishing.settings import PublishSettings, rasa_env

PARSER = Path(__file__).resolve().parent.parent / "bench" / "nlu_parse.py"


class EvaluationFailed(Exception):
    """The model could not be loaded or parsed with; the message is the script's last words."""


def scores_json(scores: SetScores) -> dict[str, Any]:
    """One set's scores as stored in a report (the confusions are left to `make eval`)."""
    return {
        "examples": scores.examples,
        "accuracy": scores.accuracy,
        "macro_f1": scores.macro_f1,
        "per_intent": {
            intent: {"precision": row.precision, "recall": row.recall, "support": row.support}
            for intent, row in scores.per_intent.items()
        },
    }


def missed(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The phrases of one set the bot does not act on as their gold intent (fallback counted)."""
    return [
        {"text": str(r["text"]), "intent": str(r["gold"]), "answered": str(r["acted"])}
        for r in rows
        if r["acted"] != r["gold"]
    ]


def report_from_parsed(parsed: dict[str, Any]) -> dict[str, Any]:
    """The report of one model from what `bench/nlu_parse.py` wrote."""
    return {
        "load_s": parsed.get("load_s"),
        "sets": {
            name: {**scores_json(score_as_bot(predictions(rows))), "missed": missed(rows)}
            for name, rows in parsed["sets"].items()
        },
    }


async def evaluate_model(model: Path, settings: PublishSettings) -> dict[str, Any]:
    """Load `model` in a fresh Rasa process, parse every held-out phrase, score them."""
    with tempfile.TemporaryDirectory(prefix="publishing-eval-") as scratch:
        out = Path(scratch) / "parsed.json"
        process = await asyncio.create_subprocess_exec(
            str(settings.rasa_python),
            str(PARSER),
            str(model),
            str(out),
            *[str(path) for path in [*settings.eval_sets, *settings.gate_strict_sets]],
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=rasa_env(),
        )
        output, _ = await process.communicate()
        if process.returncode != 0 or not out.exists():
            tail = output.decode(errors="replace").strip().splitlines()[-5:]
            raise EvaluationFailed("\n".join(tail))
        return report_from_parsed(json.loads(out.read_text(encoding="utf-8")))
