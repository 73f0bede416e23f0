"""`make eval`: data validation, 5-fold cross-validation and held-out NLU scores.

Usage: .venv-rasa/bin/python bench/eval.py [--cv-epochs N] [--folds K] [--skip-cv]
                                          [--config FILE] [--model FILE] [--out DIR]

Steps, each logged to `<out>/logs/`:
1. `rasa data validate --fail-on-warnings`;
2. a full `rasa train` from a cold cache with 2 threads (timed), then the model's load time
   and first parse in a fresh process;
3. `rasa test nlu` on every held-out set (`tests/data/test_nlu*.yml`): Rasa's
   intent_report.json, intent_confusion_matrix.png and per-extractor entity reports
   (`GovEntityExtractor_report.json` scores `appeal_number`), plus `intents.md`
   (per-intent precision/recall/F1 and a plain-text confusion matrix);
4. 5-fold cross-validation of the NLU on `data/` (DIET epochs lowered to `--cv-epochs` to keep
   the run short; the summary says so);
5. `<out>/summary.md`, printed at the end.

The held-out sets are never training data: they are only ever passed to `rasa test nlu`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HELD_OUT_SETS = sorted((ROOT / "tests/data").glob("test_nlu*.yml"))
TARGETS = {"accuracy": 0.95, "macro_f1": 0.93, "appeal_number_f1": 0.97}
ENTITY_REPORT = "GovEntityExtractor_report.json"

LOAD_SNIPPET = """
import asyncio, json, sys, time
started = time.monotonic()
from rasa.core.agent import Agent
imported = time.monotonic()
agent = Agent.load(sys.argv[1])
loaded = time.monotonic()
asyncio.run(agent.parse_message("где мое заявление 1234567890"))
parsed = time.monotonic()
print(json.dumps({"import_s": imported - started, "load_s": loaded - imported,
                  "first_parse_s": parsed - loaded}))
"""


@dataclass
class SetScore:
    """Figures of one held-out set (or of the pooled cross-validation folds)."""

    name: str
    examples: int = 0
    accuracy: float = 0.0
    macro_f1: float = 0.0
    weighted_f1: float = 0.0
    answered: float = 0.0
    appeal_number: dict[str, float] = field(default_factory=dict)
    worst: list[tuple[str, float]] = field(default_factory=list)


class Runner:
    """Runs Rasa commands with one environment and keeps their output as log files."""

    def __init__(self, logs: Path, cache: Path) -> None:
        self.logs = logs
        self.env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            TF_CPP_MIN_LOG_LEVEL="2",
            RASA_TELEMETRY_ENABLED="false",
            RASA_CACHE_DIRECTORY=str(cache),
        )
        logs.mkdir(parents=True, exist_ok=True)

    def run(
        self, log_name: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run a command from the project root; its output goes to `<logs>/<log_name>.log`."""
        result = subprocess.run(
            list(args), cwd=ROOT, env=self.env, capture_output=True, text=True, check=False
        )
        (self.logs / f"{log_name}.log").write_text(result.stdout + result.stderr, encoding="utf-8")
        if check and result.returncode != 0:
            tail = (result.stdout + result.stderr)[-3000:]
            raise SystemExit(f"{' '.join(args[:3])} failed (see {log_name}.log):\n{tail}")
        return result

    def rasa(
        self, log_name: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run the Rasa CLI of this interpreter's environment."""
        return self.run(log_name, str(BIN / "rasa"), *args, check=check)


def lower_epochs(config_text: str, epochs: int) -> str:
    """The config with DIETClassifier's `epochs` set to `epochs` (added when absent)."""
    pattern = re.compile(r"(- name: DIETClassifier\n(?:[ \t]+[^\n]*\n)*?)([ \t]+)epochs: *\d+")
    if pattern.search(config_text):
        return pattern.sub(rf"\g<1>\g<2>epochs: {epochs}", config_text, count=1)
    return config_text.replace(
        "- name: DIETClassifier\n", f"- name: DIETClassifier\n    epochs: {epochs}\n", 1
    )


def predictions(results_dir: Path) -> list[dict[str, Any]]:
    """Every scored example (Rasa's successes and errors files)."""
    rows: list[dict[str, Any]] = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = results_dir / name
        if path.exists():
            rows.extend(json.loads(path.read_text(encoding="utf-8")))
    return rows


def fallback_threshold(config_text: str) -> float:
    """FallbackClassifier's `threshold` in a config (0 when there is none)."""
    found = re.search(
        r"- name: FallbackClassifier\n(?:[ \t]+[^\n]*\n)*?[ \t]+threshold: *([\d.]+)", config_text
    )
    return float(found.group(1)) if found else 0.0


def answered_share(rows: list[dict[str, Any]], threshold: float) -> float:
    """Share of examples whose top intent is right and confident enough to escape fallback.

    `rasa test nlu` undoes the FallbackClassifier before scoring, so its accuracy counts a right
    guess the bot would not act on; this figure does not.
    """
    if not rows:
        return 0.0
    hits = sum(
        1
        for r in rows
        if (r.get("intent_prediction") or {}).get("name") == r["intent"]
        and float((r.get("intent_prediction") or {}).get("confidence") or 0) >= threshold
    )
    return hits / len(rows)


def confusion_markdown(rows: list[dict[str, Any]]) -> str:
    """A plain-text confusion matrix (rows: true intent, columns: predicted)."""
    pairs = Counter(
        (str(r["intent"]), str((r.get("intent_prediction") or {}).get("name"))) for r in rows
    )
    labels = sorted({gold for gold, _ in pairs} | {pred for _, pred in pairs})
    short = {label: label[:8] for label in labels}
    head = "| true \\ predicted | " + " | ".join(short[lb] for lb in labels) + " |"
    lines = [head, "|" + " --- |" * (len(labels) + 1)]
    for gold in labels:
        if not any(g == gold for g, _ in pairs):
            continue
        cells = [str(pairs.get((gold, pred), 0) or ".") for pred in labels]
        lines.append(f"| {gold} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def intents_markdown(title: str, report: dict[str, Any], matrix: str) -> str:
    """Per-intent precision/recall/F1 and the confusion matrix as one markdown page."""
    lines = [
        f"# {title}",
        "",
        "| intent | precision | recall | F1 | support |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, row in sorted(report.items()):
        if not isinstance(row, dict) or "support" not in row or label.endswith(" avg"):
            continue
        lines.append(
            f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | "
            f"{row['f1-score']:.3f} | {row['support']} |"
        )
    lines += ["", "## Confusion matrix (rows: true intent, columns: predicted)", "", matrix, ""]
    return "\n".join(lines)


def score(name: str, results_dir: Path, threshold: float) -> SetScore:
    """Read Rasa's reports in `results_dir` and write `intents.md` next to them."""
    report = json.loads((results_dir / "intent_report.json").read_text(encoding="utf-8"))
    rows = predictions(results_dir)
    (results_dir / "intents.md").write_text(
        intents_markdown(f"Intents: {name}", report, confusion_markdown(rows)), encoding="utf-8"
    )
    per_intent = [
        (label, float(row["f1-score"]))
        for label, row in report.items()
        if isinstance(row, dict)
        and "support" in row
        and not label.endswith(" avg")
        and row["support"]
    ]
    entity_path = results_dir / ENTITY_REPORT
    appeal: dict[str, float] = {}
    if entity_path.exists():
        entity_report = json.loads(entity_path.read_text(encoding="utf-8"))
        row = entity_report.get("appeal_number") or {}
        appeal = {
            k: float(row[k]) for k in ("precision", "recall", "f1-score", "support") if k in row
        }
    return SetScore(
        name=name,
        examples=len(rows),
        accuracy=float(report["accuracy"]),
        macro_f1=float(report["macro avg"]["f1-score"]),
        weighted_f1=float(report["weighted avg"]["f1-score"]),
        answered=answered_share(rows, threshold),
        appeal_number=appeal,
        worst=sorted(per_intent, key=lambda item: item[1])[:4],
    )


def test_held_out(
    runner: Runner, model: Path, held_out: Path, out: Path, threshold: float
) -> SetScore:
    """Score the model on one held-out file with `rasa test nlu`."""
    results = out / held_out.stem
    runner.rasa(
        f"test-{held_out.stem}",
        "test",
        "nlu",
        "--nlu",
        str(held_out),
        "--model",
        str(model),
        "--out",
        str(results),
        "--successes",
    )
    return score(held_out.relative_to(ROOT).as_posix(), results, threshold)


def mark(value: float | None, target: float) -> str:
    """A figure with a tick when it meets its target."""
    if value is None:
        return "n/a"
    return f"{value:.3f} {'✓' if value >= target else '✗ (target ' + format(target, '.2f') + ')'}"


def summary_markdown(
    scores: list[SetScore],
    cv: SetScore | None,
    cv_epochs: int,
    folds: int,
    timings: dict[str, float],
    validate_ok: bool,
    config: Path,
    threshold: float,
) -> str:
    """The summary page: targets, per-set figures, times."""
    shown = config.relative_to(ROOT) if config.is_relative_to(ROOT) else config
    lines = [
        "# NLU evaluation",
        "",
        f"Config: `{shown}`; "
        f"`rasa data validate --fail-on-warnings`: {'passed' if validate_ok else 'FAILED'}.",
        "",
        "| set | examples | intent accuracy | macro-F1 | weighted-F1 | answered right "
        "| appeal_number P / R / F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in [*scores, *([cv] if cv else [])]:
        a = s.appeal_number
        appeal = (
            f"{a['precision']:.3f} / {a['recall']:.3f} / "
            f"{mark(a['f1-score'], TARGETS['appeal_number_f1'])}"
            f" (n={int(a.get('support', 0))})"
            if a
            else "not annotated"
        )
        lines.append(
            f"| {s.name} | {s.examples} | {mark(s.accuracy, TARGETS['accuracy'])} | "
            f"{mark(s.macro_f1, TARGETS['macro_f1'])} | {s.weighted_f1:.3f} | {s.answered:.3f} "
            f"| {appeal} |"
        )
    lines += ["", "Weakest intents (F1):"]
    for s in [*scores, *([cv] if cv else [])]:
        lines.append(f"- {s.name}: " + ", ".join(f"{n} {f:.2f}" for n, f in s.worst))
    lines += [
        "",
        "Targets (held-out): intent accuracy ≥ 0.95, macro-F1 ≥ 0.93, appeal_number F1 ≥ 0.97. "
        "Accuracy and F1 are Rasa's (`rasa test nlu`), which undoes the FallbackClassifier "
        "before scoring; *answered right* also requires the top intent's confidence to reach "
        f"the fallback threshold ({threshold}), i.e. the bot acts on it instead of asking to "
        "rephrase (the ambiguity rule is not applied). Macro-F1 averages over the intents the "
        "set contains.",
    ]
    if cv:
        lines.append(
            f"Cross-validation: {folds} folds over `data/`, DIET trained {cv_epochs} epochs "
            "per fold (the production config's epochs are lowered to keep `make eval` short), "
            "predictions of all folds pooled."
        )
    lines += ["", "| time (2 cores) | seconds |", "| --- | ---: |"]
    labels = {
        "train_s": "full `rasa train` (NLU + dialogue), cold cache",
        "import_s": "import Rasa in a fresh process",
        "load_s": "model load (`Agent.load`)",
        "first_parse_s": "first parse after load",
        "cv_s": "cross-validation, all folds",
        "total_s": "this whole evaluation",
    }
    for key, label in labels.items():
        if key in timings:
            lines.append(f"| {label} | {timings[key]:.1f} |")
    lines += [
        "",
        "Per-intent reports and confusion matrices: `reports/eval/<set>/intents.md`, "
        "Rasa's `intent_report.json`, `intent_confusion_matrix.png`, "
        "`GovEntityExtractor_report.json`.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run every step and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--model", type=Path, help="score this model instead of training one")
    parser.add_argument("--out", type=Path, default=ROOT / "reports/eval")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cv-epochs", type=int, default=40)
    parser.add_argument("--skip-cv", action="store_true")
    args = parser.parse_args()
    config = args.config.resolve()
    threshold = fallback_threshold(config.read_text(encoding="utf-8"))
    started = time.monotonic()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="gp-eval-") as tmp_name:
        tmp = Path(tmp_name)
        runner = Runner(out / "logs", tmp / "cache")

        validate = runner.rasa("validate", "data", "validate", "--fail-on-warnings", check=False)
        validate_ok = validate.returncode == 0
        print(f"rasa data validate: {'passed' if validate_ok else 'FAILED'}", flush=True)

        model = args.model.resolve() if args.model else None
        if model is None:
            begun = time.monotonic()
            runner.rasa(
                "train",
                "train",
                "--config",
                str(config),
                "--domain",
                "domain.yml",
                "--data",
                "data",
                "--out",
                str(tmp),
                "--fixed-model-name",
                "eval",
                "--num-threads",
                "2",
            )
            timings["train_s"] = time.monotonic() - begun
            model = tmp / "eval.tar.gz"
            print(f"trained in {timings['train_s']:.0f} s", flush=True)
        load = runner.run("load", sys.executable, "-c", LOAD_SNIPPET, str(model))
        timings.update(json.loads(load.stdout.strip().splitlines()[-1]))

        scores = []
        for held_out in HELD_OUT_SETS:
            scores.append(test_held_out(runner, model, held_out, out, threshold))
            print(f"scored {held_out.name}", flush=True)

        cv = None
        if not args.skip_cv:
            cv_config = tmp / "cv-config.yml"
            cv_config.write_text(
                lower_epochs(config.read_text(encoding="utf-8"), args.cv_epochs), encoding="utf-8"
            )
            begun = time.monotonic()
            runner.rasa(
                "cross-validation",
                "test",
                "nlu",
                "--nlu",
                "data",
                "--config",
                str(cv_config),
                "--cross-validation",
                "--folds",
                str(args.folds),
                "--out",
                str(out / "cv"),
                "--successes",
            )
            timings["cv_s"] = time.monotonic() - begun
            cv = score(f"{args.folds}-fold CV of data/", out / "cv", threshold)

    timings["total_s"] = time.monotonic() - started
    summary = summary_markdown(
        scores, cv, args.cv_epochs, args.folds, timings, validate_ok, config, threshold
    )
    (out / "summary.md").write_text(summary, encoding="utf-8")
    (out / "summary.json").write_text(
        json.dumps(
            {
                "sets": [s.__dict__ for s in scores],
                "cv": cv.__dict__ if cv else None,
                "timings": timings,
                "validate_ok": validate_ok,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(summary)
    if not validate_ok:
        raise SystemExit("rasa data validate failed: see reports/eval/logs/validate.log")


if __name__ == "__main__":
    main()
