"""`make bench`: every benchmark in one go, written into bench/README.md with plots.

Usage: .venv/bin/python bench/run_all.py [--quick] [--soak-minutes 3] [--label "…"]
          [--only startup,load,profile,scale,faults,soak,training] [--report-only]
Parts that did not run keep their earlier results (bench/measured/<part>.json). Every loop is
bounded in count and time; everything runs on loopback; the bench stops what it started.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import faults, parts, training
from bench.load.options import Options
from bench.load.profile import top_functions
from bench.load.report import write
from tests.support import ROOT, free_port

PARTS = ("startup", "load", "profile", "scale", "faults", "soak", "training")
BENCH = ROOT / "bench"


def startup(options: Options) -> dict[str, Any]:
    """bench/startup.py: `make run` → first answer, and memory per process."""
    # free ports, so a `make run` elsewhere on the machine is neither hit nor in the way
    env = dict(os.environ, RASA_PORT=str(free_port()), ACTION_SERVER_PORT=str(free_port()))
    for name in ("RASA_URL", "ACTION_SERVER_URL", "DATABASE_URL"):
        env.pop(name, None)
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), str(BENCH / "startup.py"), "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    (options.logs / "startup.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    return {"output": done.stdout if done.returncode == 0 else done.stdout + done.stderr[-2000:]}


def profile_table(profile: dict[str, Any]) -> str:
    """The top of the app's profile as Markdown (bench/profile-top.md)."""
    stacks = profile.get("stacks")
    if not stacks:
        return "py-spy wrote no stacks (see the run's log).\n"
    top = top_functions(Path(stacks), profile["rate_hz"], profile["answered"])
    lines = [
        f"`{profile.get('command', 'py-spy record')}` (`make bench ARGS='--only profile'`) "
        f"on the app while 50 Telegram chats talked: {profile['answered']} replies reached the "
        "fake Bot API in the window, app CPU (from /proc) "
        f"{1000 * profile['app_cpu_s'] / max(1, profile['answered']):.1f} ms/turn over the "
        "window"
        + (
            f", {1000 * profile['phase_app_cpu_s'] / max(1, profile['answered']):.1f} ms/turn "
            "while the chats talked"
            if "phase_app_cpu_s" in profile
            else ""
        )
        + f", sampled "
        f"{top['ms_per_turn_sampled']} ms/turn ({top['samples']} samples).",
        "",
        "### Self time (the frame on top of the stack)",
        "",
        "| function (file) | samples | ms/turn |",
        "| --- | --- | --- |",
        *[f"| `{n}` | {c} | {m} |" for n, c, m in top["self"]],
        "",
        "### Our code, inclusive (everything under the function)",
        "",
        "| function (file) | samples | ms/turn |",
        "| --- | --- | --- |",
        *[f"| `{n}` | {c} | {m} |" for n, c, m in top["ours_inclusive"]],
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Run the chosen parts and rewrite bench/README.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes a part)")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts")
    parser.add_argument("--soak-minutes", type=float, default=3.0)
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite README.md from the stored results"
    )
    parser.add_argument(
        "--label", default="", help="said next to each part's date, e.g. the machine's state"
    )
    args = parser.parse_args()
    chosen = [] if args.report_only else [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(chosen) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))} (known: {', '.join(PARTS)})")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    options = Options(
        quick=args.quick,
        soak_minutes=args.soak_minutes,
        logs=ROOT / "var" / "bench" / f"run-{stamp}",
        out=BENCH,
    )
    options.logs.mkdir(parents=True, exist_ok=True)
    store = BENCH / "measured"
    store.mkdir(exist_ok=True)
    runners = {
        "startup": lambda: startup(options),
        "load": lambda: asyncio.run(parts.load(options)),
        "profile": lambda: asyncio.run(parts.profile(options)),
        "scale": lambda: asyncio.run(parts.scale(options)),
        "faults": lambda: asyncio.run(faults.faults(options)),
        "soak": lambda: asyncio.run(parts.soak(options)),
        "training": lambda: training.training(options),
    }
    for name in chosen:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        result = runners[name]()
        took = time.monotonic() - started
        when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        mode = "quick" if args.quick else "full"
        label = f", {args.label}" if args.label else ""
        load = os.getloadavg()[1]  # what else the machine ran decides what the figures mean
        result["ran"] = (
            f"{mode} run{label}, {when}, took {took / 60:.1f} min, "
            f"load average {load:.1f} on {os.cpu_count()} cores"
        )
        if name == "profile":
            (BENCH / "profile-top.md").write_text(profile_table(result), "utf-8")
        (store / f"{name}.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        print(f"   done in {took:.0f} s", flush=True)
    results = {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(store.glob("*.json"))
    }
    profile = results.get("profile") or {}
    if args.report_only and profile.get("stacks") and Path(profile["stacks"]).exists():
        (BENCH / "profile-top.md").write_text(profile_table(profile), "utf-8")
    print(write(results, BENCH))


if __name__ == "__main__":
    main()
