"""`make eval`: today's pipeline, the new one and Rasa's stock one, side by side, on every set.

Usage: .venv-rasa/bin/python bench/eval.py [--cv] [--folds K] [--cv-epochs N]
                                          [--only NAME ...] [--jobs N] [--reuse]
                                          [--seeds S ...] [--out DIR]

In one run, each logged to `<out>/logs/`:
1. `rasa data validate --fail-on-warnings`;
2. three pipelines trained on the same `data/`: *today* (`bench/configs/baseline.yml`, the
   sparse-only pipeline before issue 11), *new* (`config.yml`, a full `rasa train` with the
   dialogue, timed against the 4-minute budget) and *stock* (`bench/configs/stock.yml`, Rasa's
   default pipeline); the other two train their NLU only;
   (`--jobs N` trains N at once: shorter on a machine with idle cores, but each training's
   time then includes the others' share, and the summary says so);
3. each model loaded in a fresh process, one after the other (`bench/nlu_parse.py`): import
   and load times, peak memory, parse latency one phrase at a time, and every phrase of every
   evaluation set (`tests/data/test_nlu*.yml`) plus the vague phrases
   (`tests/data/vague_phrases.txt`) parsed as the bot parses them;
4. scores with the fallback counted (a right intent under the threshold, or too close to the
   second, is a miss: what the citizen sees) and without it (what `rasa test nlu` reports),
   per-intent P/R/F1, confusion matrices and `appeal_number` spans;
5. with `--cv`, a K-fold cross-validation of the new pipeline only (DIET epochs lowered to
   `--cv-epochs`); off by default to keep the run bounded (it trains K more models);
6. with `--seeds S ...`, the new pipeline's NLU trained again with DIET's `random_seed` set to
   each S (`new-seedS`), so the summary shows how far one seed's figures move;
7. `<out>/summary.md` (printed) and, per pipeline and set, `<out>/<pipeline>/<set>.md`; each
   pipeline's answers are kept in `<out>/<pipeline>/parsed.json` (`--reuse` re-scores them).

The evaluation sets are never training data: they are only ever parsed here.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.nlu_metrics import (
    Prediction,
    SetScores,
    confusion_markdown,
    entity_scores,
    score_as_bot,
    score_without_fallback,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SETS = sorted((ROOT / "tests/data").glob("test_nlu*.yml"))
VAGUE = ROOT / "tests/data/vague_phrases.txt"
BLIND = "test_nlu_blind.yml"
# The bar issue 11 holds the landed model to, with the fallback counted.
BAR = {"accuracy": 0.92, "macro_f1": 0.90, "min_recall": 0.80}
BUDGET = {"train_s": 240.0, "start_s": 30.0, "p95_ms": 50.0}


@dataclass(frozen=True)
class Pipeline:
    """A config to train: its short name, its file, and whether the dialogue is trained too."""

    name: str
    config: Path
    full: bool


PIPELINES = [
    Pipeline("today", ROOT / "bench/configs/baseline.yml", full=False),
    Pipeline("new", ROOT / "config.yml", full=True),
    Pipeline("use", ROOT / "bench/configs/use.yml", full=False),
    Pipeline("stock", ROOT / "bench/configs/stock.yml", full=False),
]


@dataclass
class Result:
    """What one pipeline got: times, memory, latency, and per set both kinds of scores."""

    pipeline: Pipeline
    train_s: float
    parsed: dict[str, Any]
    as_bot: dict[str, SetScores] = field(default_factory=dict)
    raw: dict[str, SetScores] = field(default_factory=dict)
    appeal: dict[str, dict[str, float]] = field(default_factory=dict)


class Runner:
    """Runs commands from the project root with one environment; output goes to log files."""

    def __init__(self, logs: Path, cache: Path) -> None:
        """`logs`: where each command's output is kept; `cache`: Rasa's (cold) training cache."""
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
        self, log_name: str, *args: str, check: bool = True, cache: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command; its output goes to `<logs>/<log_name>.log`.

        `cache`: a training cache of its own (trainings run at once must not share one).
        """
        env = dict(self.env, RASA_CACHE_DIRECTORY=str(cache)) if cache else self.env
        result = subprocess.run(
            list(args), cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        (self.logs / f"{log_name}.log").write_text(result.stdout + result.stderr, encoding="utf-8")
        if check and result.returncode != 0:
            tail = (result.stdout + result.stderr)[-3000:]
            raise SystemExit(f"{' '.join(args[:3])} failed (see {log_name}.log):\n{tail}")
        return result

    def rasa(
        self, log_name: str, *args: str, check: bool = True, cache: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run the Rasa CLI of this interpreter's environment."""
        return self.run(log_name, str(BIN / "rasa"), *args, check=check, cache=cache)


def set_diet(config_text: str, key: str, value: int) -> str:
    """The config with DIETClassifier's `key` set to `value` (added when absent)."""
    pattern = re.compile(rf"(- name: DIETClassifier\n(?:[ \t]+[^\n]*\n)*?)([ \t]+){key}: *\d+")
    if pattern.search(config_text):
        return pattern.sub(rf"\g<1>\g<2>{key}: {value}", config_text, count=1)
    return config_text.replace(
        "- name: DIETClassifier\n", f"- name: DIETClassifier\n    {key}: {value}\n", 1
    )


def lower_epochs(config_text: str, epochs: int) -> str:
    """The config with DIET trained for `epochs` (cross-validation's shorter folds)."""
    return set_diet(config_text, "epochs", epochs)


def shown(path: Path) -> str:
    """A config's path as the summary shows it: relative to the project when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def with_seed(config_text: str, seed: int) -> str:
    """The config with DIET's `random_seed` set to `seed`."""
    return set_diet(config_text, "random_seed", seed)


def seed_pipelines(seeds: list[int], out: Path) -> list[Pipeline]:
    """The new pipeline again with other DIET seeds, NLU only; configs kept in `<out>/seeds/`."""
    folder = out / "seeds"
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for seed in seeds:
        config = folder / f"config-seed{seed}.yml"
        config.write_text(with_seed((ROOT / "config.yml").read_text(encoding="utf-8"), seed))
        made.append(Pipeline(f"new-seed{seed}", config, full=False))
    return made


def seed_spread(results: list[Result]) -> list[str]:
    """Per set, the range of accuracy / macro-F1 (as the bot) over new and its other seeds."""
    runs = [r for r in results if r.pipeline.name == "new" or r.pipeline.name.startswith("new-")]
    if len(runs) < 2:
        return []
    lines = [
        "",
        f"## Seed spread of new ({len(runs)} DIET seeds), as the bot: lowest – highest",
        "",
        "| set | accuracy | macro-F1 | lowest recall of an intent |",
        "| --- | --- | --- | --- |",
    ]
    for s in SETS:
        acc = [r.as_bot[s.name].accuracy for r in runs]
        f1 = [r.as_bot[s.name].macro_f1 for r in runs]
        worst = min(min_recall(r.as_bot[s.name])[::-1] for r in runs)
        lines.append(
            f"| {s.name} | {min(acc):.3f} – {max(acc):.3f} | {min(f1):.3f} – {max(f1):.3f} "
            f"| {worst[0]:.2f} {worst[1]} |"
        )
    return lines


def train(runner: Runner, pipeline: Pipeline, out: Path) -> tuple[Path, float]:
    """Train one pipeline on `data/`; the model's path and the wall time."""
    begun = time.monotonic()
    common = ["--config", str(pipeline.config), "--out", str(out)]
    common += ["--fixed-model-name", pipeline.name, "--num-threads", "2"]
    log, cache = f"train-{pipeline.name}", out / f"cache-{pipeline.name}"
    if pipeline.full:
        args = ["train", "--domain", "domain.yml", "--data", "data", *common]
    else:
        args = ["train", "nlu", "--nlu", "data", *common]
    runner.rasa(log, *args, cache=cache)
    return out / f"{pipeline.name}.tar.gz", time.monotonic() - begun


def predictions(rows: list[dict[str, Any]]) -> list[Prediction]:
    """The parsed rows of one set as predictions."""
    return [
        Prediction(str(r["gold"]), str(r["acted"]), str(r["top"]), float(r["confidence"]))
        for r in rows
    ]


def parse(runner: Runner, pipeline: Pipeline, trained: tuple[Path, float], kept: Path) -> None:
    """Load a trained model in a fresh process and parse every set; the answers go to `kept`."""
    model, train_s = trained
    runner.run(
        f"parse-{pipeline.name}",
        sys.executable,
        str(ROOT / "bench/nlu_parse.py"),
        str(model),
        str(kept),
        *[str(s) for s in SETS],
        "--vague",
        str(VAGUE),
    )
    parsed = json.loads(kept.read_text(encoding="utf-8"))
    kept.write_text(
        json.dumps({**parsed, "train_s": train_s}, ensure_ascii=False), encoding="utf-8"
    )


def score_parsed(pipeline: Pipeline, kept: Path) -> Result:
    """Scores of one pipeline from its kept answers (`--reuse` re-scores them without training)."""
    parsed = json.loads(kept.read_text(encoding="utf-8"))
    result = Result(pipeline, float(parsed["train_s"]), parsed)
    for name, rows in parsed["sets"].items():
        result.as_bot[name] = score_as_bot(predictions(rows))
        result.raw[name] = score_without_fallback(predictions(rows))
        if any(r["spans"] for r in rows):
            result.appeal[name] = entity_scores(
                [[(s[0], s[1]) for s in r["spans"]] for r in rows],
                [[(s[0], s[1]) for s in r["found"]] for r in rows],
            )
    return result


def train_all(
    runner: Runner, pipelines: list[Pipeline], tmp: Path, jobs: int
) -> dict[str, tuple[Path, float]]:
    """Train the pipelines, `jobs` at a time (each timed on its own wall clock)."""

    def one(pipeline: Pipeline) -> tuple[Path, float]:
        model, seconds = train(runner, pipeline, tmp)
        print(f"{pipeline.name}: trained in {seconds:.0f} s", flush=True)
        return model, seconds

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        trained = list(pool.map(one, pipelines))
    return {p.name: t for p, t in zip(pipelines, trained, strict=True)}


def cross_validate(
    runner: Runner, config: Path, tmp: Path, out: Path, folds: int, epochs: int
) -> dict[str, float]:
    """K-fold cross-validation of `config` on `data/` (Rasa's scoring: fallback undone)."""
    cv_config = tmp / "cv-config.yml"
    cv_config.write_text(lower_epochs(config.read_text(encoding="utf-8"), epochs), encoding="utf-8")
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
        str(folds),
        "--out",
        str(out / "cv"),
        "--no-plot",
    )
    report = json.loads((out / "cv/intent_report.json").read_text(encoding="utf-8"))
    return {
        "accuracy": float(report["accuracy"]),
        "macro_f1": float(report["macro avg"]["f1-score"]),
        "cv_s": time.monotonic() - begun,
    }


def tick(ok: bool) -> str:
    """A mark for a figure against its bar."""
    return "✓" if ok else "✗"


def min_recall(scores: SetScores) -> tuple[str, float]:
    """The intent with the lowest recall in a set, and that recall."""
    label, row = min(scores.per_intent.items(), key=lambda item: item[1].recall)
    return label, row.recall


def doubted(result: Result) -> int:
    """How many vague phrases the pipeline left under the fallback."""
    return sum(1 for v in result.parsed["vague"] if v["acted"] == "nlu_fallback")


def set_page(result: Result, name: str) -> str:
    """One pipeline on one set: per-intent rows (fallback counted) and the confusion matrix."""
    bot, raw = result.as_bot[name], result.raw[name]
    lines = [
        f"# {result.pipeline.name} (`{shown(result.pipeline.config)}`) on `{name}`",
        "",
        f"As the bot (fallback counted): accuracy {bot.accuracy:.3f}, macro-F1 {bot.macro_f1:.3f}; "
        f"without the fallback: {raw.accuracy:.3f} / {raw.macro_f1:.3f}.",
        "",
        "| intent | P | R | F1 | support | R without fallback |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, row in bot.per_intent.items():
        lines.append(
            f"| {label} | {row.precision:.3f} | {row.recall:.3f} | {row.f1:.3f} | {row.support} "
            f"| {raw.per_intent[label].recall:.3f} |"
        )
    lines += ["", "## Confusion matrix, as the bot (rows: true, columns: acted on)", ""]
    lines += [confusion_markdown(bot.confusion), ""]
    misses = [r for r in result.parsed["sets"][name] if r["acted"] != r["gold"]]
    lines += [
        "## Misses",
        "",
        "| phrase | true | acted | best real intent (confidence) |",
        "| --- | --- | --- | --- |",
    ]
    for r in misses:
        lines.append(
            f"| {r['text']} | {r['gold']} | {r['acted']} | {r['top']} ({r['confidence']:.2f}) |"
        )
    return "\n".join(lines) + "\n"


def summary(
    results: list[Result],
    cv: dict[str, float] | None,
    folds: int,
    epochs: int,
    validate_ok: bool,
    jobs: int = 1,
) -> str:
    """The side-by-side page."""
    names = [r.pipeline.name for r in results]
    head = "| set | " + " | ".join(names) + " |"
    rule = "| --- |" + " ---: |" * len(names)
    lines = [
        "# NLU evaluation: "
        + ", ".join(f"{r.pipeline.name} = `{shown(r.pipeline.config)}`" for r in results),
        "",
        f"`rasa data validate --fail-on-warnings`: {'passed' if validate_ok else 'FAILED'}.",
        "",
        "## Accuracy / macro-F1 as the bot (fallback counted: a right intent under the threshold "
        "or too close to the second is a miss)",
        "",
        head,
        rule,
    ]
    for s in SETS:
        cells = []
        for r in results:
            b = r.as_bot[s.name]
            cells.append(f"{b.accuracy:.3f} / {b.macro_f1:.3f}")
        size = results[0].as_bot[s.name].examples
        lines.append(f"| {s.name} ({size}) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Accuracy / macro-F1 without the fallback (as `rasa test nlu`)",
        "",
        head,
        rule,
    ]
    for s in SETS:
        cells = [f"{r.raw[s.name].accuracy:.3f} / {r.raw[s.name].macro_f1:.3f}" for r in results]
        lines.append(f"| {s.name} | " + " | ".join(cells) + " |")
    lines += ["", "## Lowest recall of an intent, as the bot", "", head, rule]
    for s in SETS:
        cells = []
        for r in results:
            label, recall = min_recall(r.as_bot[s.name])
            cells.append(f"{recall:.2f} {label}")
        lines.append(f"| {s.name} | " + " | ".join(cells) + " |")
    lines += ["", "## `appeal_number` P / R / F1 (spans)", "", head, rule]
    for s in SETS:
        if s.name not in results[0].appeal:
            continue
        cells = []
        for r in results:
            a = r.appeal.get(s.name, {})
            p, r_, f1 = (a.get(k, 0.0) for k in ("precision", "recall", "f1"))
            cells.append(f"{p:.2f} / {r_:.2f} / {f1:.2f} (n={int(a.get('support', 0))})")
        lines.append(f"| {s.name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Times and memory (2 shared cores)",
        "",
        "| figure | " + " | ".join(names) + " |",
        rule,
    ]
    rows: list[tuple[str, Callable[[Result], str]]] = [
        (
            f"training, s (new: full `rasa train`, others NLU only; {jobs} at once)",
            lambda r: f"{r.train_s:.0f}",
        ),
        ("import Rasa, s", lambda r: f"{r.parsed['import_s']:.1f}"),
        ("model load, s", lambda r: f"{r.parsed['load_s']:.1f}"),
        (
            "parse p50 / p95 / max, ms",
            lambda r: "{p50:.0f} / {p95:.0f} / {max:.0f}".format(**r.parsed["parse_ms"]),
        ),
        ("peak memory of the process, MiB", lambda r: f"{r.parsed['rss_mb']:.0f}"),
    ]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    lines += [
        "",
        "## Vague phrases under the fallback (`tests/data/vague_phrases.txt`)",
        "",
        "| figure | " + " | ".join(names) + " |",
        rule,
    ]
    lines.append(
        "| doubted | "
        + " | ".join(f"{doubted(r)} of {len(r.parsed['vague'])}" for r in results)
        + " |"
    )
    for r in results:
        if r.pipeline.name != "new":
            continue
        confident = [v for v in r.parsed["vague"] if v["acted"] != "nlu_fallback"]
        for v in confident:
            lines.append(f"- new takes «{v['text']}» for {v['acted']} ({v['confidence']:.2f})")
    lines += ["", "## Per intent on the blind set, as the bot: P / R / F1", ""]
    if any(BLIND in r.as_bot for r in results):
        lines += [
            "| intent | support | " + " | ".join(names) + " |",
            "| --- | ---: |" + " ---: |" * len(names),
        ]
        for label, row in results[0].as_bot[BLIND].per_intent.items():
            cells = []
            for r in results:
                x = r.as_bot[BLIND].per_intent[label]
                cells.append(f"{x.precision:.2f} / {x.recall:.2f} / {x.f1:.2f}")
            lines.append(f"| {label} | {row.support} | " + " | ".join(cells) + " |")
    new = next((r for r in results if r.pipeline.name == "new"), None)
    if new is not None:
        for s in SETS:
            lines += ["", f"## Confusion matrix of new on {s.name}, as the bot", ""]
            lines.append(confusion_markdown(new.as_bot[s.name].confusion))
        lines += ["", "## Bar and budget (new)", ""]
        if BLIND in new.as_bot:
            b = new.as_bot[BLIND]
            label, recall = min_recall(b)
            lines.append(
                f"- blind set: accuracy {b.accuracy:.3f} "
                f"{tick(b.accuracy >= BAR['accuracy'])} (≥ 0.92), "
                f"macro-F1 {b.macro_f1:.3f} {tick(b.macro_f1 >= BAR['macro_f1'])} (≥ 0.90), "
                f"lowest recall {recall:.2f} ({label}) {tick(recall >= BAR['min_recall'])} (≥ 0.80)"
            )
        start = new.parsed["import_s"] + new.parsed["load_s"]
        lines.append(
            f"- full training {new.train_s:.0f} s "
            f"{tick(new.train_s <= BUDGET['train_s'])} (≤ 240); "
            f"import + load {start:.1f} s {tick(start <= BUDGET['start_s'])} (≤ 30); "
            f"parse p95 {new.parsed['parse_ms']['p95']:.0f} ms "
            f"{tick(new.parsed['parse_ms']['p95'] <= BUDGET['p95_ms'])} (≤ 50)"
        )
    lines += seed_spread(results)
    if cv:
        lines += [
            "",
            f"Cross-validation of new: {folds} folds over `data/`, DIET {epochs} epochs per fold, "
            f"Rasa's scoring (fallback undone): accuracy {cv['accuracy']:.3f}, "
            f"macro-F1 {cv['macro_f1']:.3f} ({cv['cv_s']:.0f} s).",
        ]
    lines += [
        "",
        "Per pipeline and set: `reports/eval/<pipeline>/<set>.md` (rows, matrix, misses).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run every step and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "reports/eval")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cv-epochs", type=int, default=40)
    parser.add_argument("--cv", action="store_true", help="also cross-validate the new pipeline")
    parser.add_argument("--only", nargs="+", choices=[p.name for p in PIPELINES])
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="re-score the answers kept in <out>/<pipeline>/parsed.json instead of training",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="train this many pipelines at once (default 1)"
    )
    parser.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=[],
        help="also train the new pipeline's NLU with these DIET seeds (how much one seed moves)",
    )
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gp-eval-") as tmp_name:
        tmp = Path(tmp_name)
        runner = Runner(out / "logs", tmp / "cache")
        validate = runner.rasa("validate", "data", "validate", "--fail-on-warnings", check=False)
        validate_ok = validate.returncode == 0
        print(f"rasa data validate: {'passed' if validate_ok else 'FAILED'}", flush=True)
        chosen = [p for p in PIPELINES if not args.only or p.name in args.only]
        chosen += seed_pipelines(args.seeds, out)
        kept = {p.name: out / p.name / "parsed.json" for p in chosen}
        to_train = [p for p in chosen if not (args.reuse and kept[p.name].exists())]
        trained = train_all(runner, to_train, tmp, args.jobs)
        results = []
        for pipeline in chosen:
            (out / pipeline.name).mkdir(exist_ok=True)
            if pipeline.name in trained:
                parse(runner, pipeline, trained[pipeline.name], kept[pipeline.name])
            result = score_parsed(pipeline, kept[pipeline.name])
            for name in result.as_bot:
                (out / pipeline.name / f"{Path(name).stem}.md").write_text(
                    set_page(result, name), encoding="utf-8"
                )
            results.append(result)
        cv = None
        if args.cv and (not args.only or "new" in args.only):
            cv = cross_validate(runner, ROOT / "config.yml", tmp, out, args.folds, args.cv_epochs)
    page = summary(results, cv, args.folds, args.cv_epochs, validate_ok, args.jobs)
    page += f"Whole evaluation: {time.monotonic() - started:.0f} s.\n"
    (out / "summary.md").write_text(page, encoding="utf-8")
    print(page)
    if not validate_ok:
        raise SystemExit("rasa data validate failed: see reports/eval/logs/validate.log")


if __name__ == "__main__":
    main()
