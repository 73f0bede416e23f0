"""Held-out NLU quality of our Russian pipeline against Rasa's stock pipeline, in one run.

Usage: .venv/bin/python bench/nlu_vs_stock.py
Trains both NLU models on `data/` (same examples), scores both with `rasa test nlu` on every
evaluation set (`tests/data/test_nlu*.yml`) and prints intent accuracy, macro-F1 and train time
per set. `make eval` gives the fuller side-by-side view (today's pipeline too, the fallback
counted, per-intent rows, times).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA = str(ROOT / ".venv-rasa/bin/rasa")
HELD_OUT_SETS = sorted((ROOT / "tests/data").glob("test_nlu*.yml"))

# Rasa's own default pipeline (what `rasa init` writes), with the same fallback threshold.
STOCK_CONFIG = ROOT / "bench/configs/stock.yml"


def _rasa(*args: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    subprocess.run([RASA, *args], cwd=ROOT, env=env, check=True, capture_output=True)


def evaluate(name: str, config: Path, workdir: Path) -> dict[str, dict[str, float]]:
    """Train an NLU-only model with `config` and score it on each held-out set."""
    started = time.monotonic()
    _rasa(
        "train",
        "nlu",
        "--config",
        str(config),
        "--nlu",
        "data",
        "--out",
        str(workdir),
        "--fixed-model-name",
        name,
        "--num-threads",
        "2",
    )
    trained = time.monotonic() - started
    figures = {}
    for held_out in HELD_OUT_SETS:
        results = workdir / f"results-{name}-{held_out.stem}"
        _rasa(
            "test",
            "nlu",
            "--nlu",
            str(held_out),
            "--model",
            str(workdir / f"{name}.tar.gz"),
            "--out",
            str(results),
            "--no-plot",
        )
        report = json.loads((results / "intent_report.json").read_text(encoding="utf-8"))
        figures[held_out.name] = {
            "accuracy": float(report["accuracy"]),
            "macro_f1": float(report["macro avg"]["f1-score"]),
            "train_s": trained,
        }
    return figures


def main() -> None:
    """Run both and print the comparison, one block per held-out set."""
    workdir = Path(tempfile.mkdtemp(prefix="gp-nlu-bench-"))
    figures = {
        "gospomoshnik": evaluate("gospomoshnik", ROOT / "config.yml", workdir),
        "stock": evaluate("stock", STOCK_CONFIG, workdir),
    }
    for held_out in HELD_OUT_SETS:
        print(f"\nheld-out set: tests/data/{held_out.name}")
        print(f"{'pipeline':14s} {'accuracy':>9s} {'macro-F1':>9s} {'train s':>8s}")
        for name, sets in figures.items():
            row = sets[held_out.name]
            print(f"{name:14s} {row['accuracy']:9.3f} {row['macro_f1']:9.3f} {row['train_s']:8.0f}")
        ours, base = figures["gospomoshnik"][held_out.name], figures["stock"][held_out.name]
        print(
            f"errors: ours {1 - ours['accuracy']:.3f} vs stock {1 - base['accuracy']:.3f}"
            f" (ratio {(1 - ours['accuracy']) / max(1e-9, 1 - base['accuracy']):.2f})"
        )


if __name__ == "__main__":
    main()
