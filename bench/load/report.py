"""bench/README.md and its PNG plots from the results of the parts that ran."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SYSTEMS = ("stock Rasa", "product, Telegram", "product, web chat")


def _header(*columns: str) -> list[str]:
    """A Markdown table's header and rule lines."""
    return ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]


def _fmt(value: Any, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        value = f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"
    return f"{value}{unit}"


def _load_rows(phases: list[dict[str, Any]]) -> list[str]:
    lines = _header(
        "round",
        "chats × turns",
        "system",
        "answered",
        "turns/s",
        "p50",
        "p95",
        "p99",
        "max",
        "webhook ack p95",
        "CPU ms/turn (per process)",
        "busy notices",
    )
    for p in phases:
        lines.append(
            _row(
                p.get("round", 1),
                f"{p['chats']} × {p['turns_per_chat']}"
                + (" (a new chat per turn)" if p.get("fresh") else ""),
                p["system"],
                f"{p['answered']}/{p['sent']}",
                _fmt(p["throughput"]),
                *_latency(p),
                _fmt(p["ack_p95_ms"], " ms"),
                _cpu(p),
                f"{p['busy_notices']}{' — ' + p['note'] if p['note'] else ''}",
            )
        )
    return lines


def _row(*cells: Any) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _latency(p: dict[str, Any]) -> list[str]:
    return [_fmt(p[k], " ms") for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]


def _cpu(p: dict[str, Any]) -> str:
    per = ", ".join(f"{k} {_fmt(v)}" for k, v in p["cpu_ms_per_turn"].items())
    return f"{_fmt(p['cpu_ms_per_turn_total'])} ({per})"


def _by_system(phases: list[dict[str, Any]], key: str) -> dict[str, tuple[list[int], list[float]]]:
    found: dict[str, dict[int, list[float]]] = {}
    for p in phases:
        value = p[key]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        found.setdefault(p["system"], {}).setdefault(p["chats"], []).append(float(value))
    return {
        system: (sorted(levels), [sum(levels[c]) / len(levels[c]) for c in sorted(levels)])
        for system, levels in found.items()
    }


def _plot_load(phases: list[dict[str, Any]], out: Path) -> list[str]:
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(12, 4.5))
    for key, style in (("p50_ms", "-o"), ("p95_ms", "--s")):
        for system, (x, y) in _by_system(phases, key).items():
            latency.plot(x, y, style, label=f"{system} {key[:3]}")
    latency.set(xscale="log", yscale="log", xlabel="concurrent chats", ylabel="ms", title="latency")
    latency.legend(fontsize=7)
    for system, (x, y) in _by_system(phases, "throughput").items():
        throughput.plot(x, y, "-o", label=system)
    throughput.set(
        xscale="log", xlabel="concurrent chats", ylabel="answered turns/s", title="throughput"
    )
    throughput.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "plots" / "load.png", dpi=90)
    plt.close(figure)
    figure, (cpu, memory) = plt.subplots(1, 2, figsize=(12, 4.5))
    last: dict[str, dict[str, Any]] = {}
    for p in phases:
        last[f"{p['system']} @{p['chats']}"] = p
    labels = list(last)
    processes = sorted({k for p in last.values() for k in p["cpu_ms_per_turn"]})
    bottom = [0.0] * len(labels)
    for process in processes:
        values = [float(last[label]["cpu_ms_per_turn"].get(process) or 0) for label in labels]
        cpu.bar(labels, values, bottom=bottom, label=process)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    cpu.set(ylabel="CPU ms per answered turn", title="CPU per turn (utime+stime over the phase)")
    cpu.tick_params(axis="x", rotation=60, labelsize=7)
    cpu.legend(fontsize=7)
    bottom = [0.0] * len(labels)
    for process in processes:
        values = [float(last[label]["rss_mib"].get(process) or 0) for label in labels]
        memory.bar(labels, values, bottom=bottom, label=process)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    memory.set(ylabel="MiB (RSS at the phase's end)", title="memory per process")
    memory.tick_params(axis="x", rotation=60, labelsize=7)
    memory.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "plots" / "cpu_memory.png", dpi=90)
    plt.close(figure)
    return [
        "![latency and throughput](plots/load.png)",
        "",
        "![CPU and memory](plots/cpu_memory.png)",
    ]


def _ratios(phases: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| chats | product (Telegram) ÷ stock: throughput | p50 | p95 |",
        "| --- | --- | --- | --- |",
    ]
    stock = {
        c: v
        for c, v in zip(*_by_system(phases, "throughput").get("stock Rasa", ([], [])), strict=True)
    }
    mine = {
        c: v
        for c, v in zip(
            *_by_system(phases, "throughput").get("product, Telegram", ([], [])), strict=True
        )
    }
    p50s = {s: dict(zip(*v, strict=True)) for s, v in _by_system(phases, "p50_ms").items()}
    p95s = {s: dict(zip(*v, strict=True)) for s, v in _by_system(phases, "p95_ms").items()}

    def ratio(table: dict[str, dict[int, float]], chats: int) -> str:
        a = table.get("product, Telegram", {}).get(chats)
        b = table.get("stock Rasa", {}).get(chats)
        return f"{a / b:.2f}×" if a and b else "—"

    for chats in sorted(stock):
        t = f"{mine[chats] / stock[chats]:.2f}×" if chats in mine and stock[chats] else "—"
        lines.append(f"| {chats} | {t} | {ratio(p50s, chats)} | {ratio(p95s, chats)} |")
    return lines


def _scale(results: dict[str, Any], out: Path) -> list[str]:
    phases = results["phases"]
    lines = _header(
        "Rasa × app",
        "chats × turns",
        "answered",
        "turns/s",
        "p50",
        "p95",
        "p99",
        "max",
        "webhook ack p95",
        "CPU ms/turn (per process)",
        "note",
    )
    for p in phases:
        lines.append(
            _row(
                f"{p['rasas']} × {p['apps']}",
                f"{p['chats']} × {p['turns_per_chat']}",
                f"{p['answered']}/{p['sent']}",
                _fmt(p["throughput"]),
                *_latency(p),
                _fmt(p["ack_p95_ms"], " ms"),
                _cpu(p),
                p["note"] or "",
            )
        )
    figure, axis = plt.subplots(figsize=(7, 4))
    labels = [f"{p['rasas']}R×{p['apps']}A @{p['chats']}" for p in phases]
    axis.bar(labels, [p["throughput"] for p in phases])
    axis.set(ylabel="answered turns/s", title="scale-out on PostgreSQL + Redis")
    axis.tick_params(axis="x", rotation=45, labelsize=8)
    figure.tight_layout()
    figure.savefig(out / "plots" / "scale.png", dpi=90)
    plt.close(figure)
    supported = results.get("rasa_urls_supported")
    why = [
        "",
        "The second Rasa's CPU shows whether turns reached it (0 = the app did not spread them).",
        "This checkout's app "
        + ("reads `RASA_URLS`." if supported else "has no `RASA_URLS` setting yet: the bench")
        + ("" if supported else " passes it anyway, and the 2-Rasa rows say «needs RASA_URLS»."),
    ]
    return [*lines, *why, "", "![scale-out](plots/scale.png)"]


def _faults(results: dict[str, Any]) -> list[str]:
    chats, turns = results["chats"]
    lines = [
        f"{chats} chats × {turns} numbered turns per scenario, two app instances, one Rasa, "
        "the bench's own PostgreSQL, Redis.",
        "",
        *_header(
            "fault",
            "what was done",
            "sent",
            "accepted",
            "answered once",
            "answered after «busy»",
            "lost",
            "duplicated",
            "out of order",
            "«busy» notices",
            "gaps in Rasa's history",
        ),
    ]
    details = []
    for s in results["scenarios"]:
        lines.append(
            f"| {s['scenario']} | {s['fault']} | {s['sent']} | {s['accepted']} | "
            f"{s['answered_once']} | "
            f"{s['answered_after_busy']} | {s['lost']} | {s['duplicated']} | {s['out_of_order']} | "
            f"{s['busy_notices']} | {s['history_gaps']} |"
        )
        details += [f"- {s['scenario']}: {d}" for d in s["details"]]
    return lines + (
        ["", "First lost or late turns per scenario (up to 10):", *details] if details else []
    )


def _soak(results: dict[str, Any], out: Path) -> list[str]:
    samples = results["samples"]
    names = [k for k in samples[0] if k != "t_s"] if samples else []
    figure, axis = plt.subplots(figsize=(7, 4))
    for name in names:
        axis.plot([s["t_s"] / 60 for s in samples], [s.get(name, 0) for s in samples], label=name)
    axis.set(
        xlabel="minutes", ylabel="RSS MiB", title=f"soak: {results['chats']} chats without pause"
    )
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "plots" / "soak.png", dpi=90)
    plt.close(figure)
    p = results["phase"]
    first, last = (samples[0], samples[-1]) if samples else ({}, {})
    growth = ", ".join(f"{n} {first.get(n, 0):.0f} → {last.get(n, 0):.0f} MiB" for n in names)
    return [
        f"{results['minutes']} min, {results['chats']} chats: {p['answered']} turns answered, "
        f"{_fmt(p['throughput'])} turns/s, p50 {_fmt(p['p50_ms'], ' ms')}, "
        f"p95 {_fmt(p['p95_ms'], ' ms')}, "
        f"CPU {_fmt(p['cpu_ms_per_turn_total'])} ms/turn. Memory first → last sample: {growth}.",
        "",
        "![soak memory](plots/soak.png)",
    ]


def _training(results: dict[str, Any], out: Path) -> list[str]:
    rows = results["rows"]
    lines = [
        f"`import rasa.core.agent` took {results['import_s']} s (subtracted from the serving "
        "time to give the model load).",
        "",
        *_header(
            "data",
            "examples",
            "trained",
            "training",
            "`rasa run` → serving",
            "model load",
            "`rasa run` → first parse",
            "RSS",
            "model file",
        ),
    ]
    for r in rows:
        lines.append(
            _row(
                f"{r['multiple']}×",
                r["examples"],
                r["what"],
                f"{r['train_s']} s",
                f"{r['serving_s']} s",
                f"{r['model_load_s']} s",
                f"{r['first_answer_s']} s",
                f"{r['rss_mib']} MiB",
                f"{r['model_mib']} MiB",
            )
        )
    figure, axis = plt.subplots(figsize=(7, 4))
    x = [r["examples"] for r in rows]
    for key, label in (
        ("train_s", "training"),
        ("model_load_s", "model load"),
        ("first_answer_s", "run → first parse"),
    ):
        axis.plot(x, [r[key] for r in rows], "-o", label=label)
    axis.set(xlabel="intent examples", ylabel="seconds", title="growth with the training data")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "plots" / "training.png", dpi=90)
    plt.close(figure)
    return [*lines, "", "![training growth](plots/training.png)"]


def write(results: dict[str, Any], out: Path) -> Path:
    """Render every part that has results into out/README.md (plots into out/plots/)."""
    (out / "plots").mkdir(parents=True, exist_ok=True)
    parts = {name: part["ran"] for name, part in results.items() if "ran" in part}
    lines = [
        "# Benchmarks (`make bench`)",
        "",
        "Written by `bench/run_all.py` from `bench/measured/*.json`; do not edit by hand. Each",
        "part says when and how it ran. Run everything: `make bench`",
        "(= `.venv/bin/python bench/run_all.py`); parts: `--only",
        "startup,load,profile,scale,faults,soak,training`; small sizes for a busy machine:",
        "`--quick`;",
        "a 30-minute soak: `make bench ARGS='--only soak --soak-minutes 30'`. Logs of every",
        "process of the last run are in `var/bench/run-*/`.",
        "",
        "How it measures: everything on loopback. Closed loop: every chat sends its next message",
        "right after the answer to the last. Stock Rasa is the `rasa init` bot (trained once into",
        "`var/bench/stock`) on its REST channel, latency = the HTTP round trip. The product is",
        "`python -m bot` with Telegram pointed at a fake Bot API in the driver process",
        "(`tests/adapters/fake_telegram.py`): latency = from the POST of the update to the first",
        "`sendMessage` (not the «busy» notice) arriving at the fake; web chat: message frame →",
        "first bot frame. CPU per turn = the growth of utime+stime (`/proc/<pid>/stat`) of each",
        "process tree over the phase ÷ answered turns; memory = RSS of each process tree at the",
        "phase's end.",
        "",
    ]
    if any(meta.startswith("quick") for meta in parts.values()):
        lines += [
            "> **Quick runs on a shared machine** (`--quick`; 2 cores shared with about seven",
            "> other agents' builds, trainings and tests, load average 15–19, parts running",
            "> side by side): these figures prove the harness works end to end; they are not the",
            "> product's speed. Full-size figures need `make bench` on a quiet machine.",
            "",
        ]
    for name, meta in parts.items():
        lines.append(f"- `{name}`: {meta}")
    lines.append("")
    if "startup" in results:
        lines += [
            "## Cold start of the product (`make run` → first answer)",
            "",
            "```",
            results["startup"]["output"].strip(),
            "```",
            "",
        ]
    if "load" in results:
        load = results["load"]
        lines += ["## Stock Rasa vs the product, 1 / 50 / 500 concurrent chats («привет»)", ""]
        lines += [
            f"Start-up: stock Rasa {_fmt(load.get('stock_start_s'))} s; product "
            + ", ".join(f"{k} {v:.0f} s" for k, v in (load.get("product_start_s") or {}).items())
            + ". `sendChatAction` calls over the whole part: "
            + f"{load.get('chat_actions', '—')}, `sendMessage`: {load.get('messages', '—')}.",
            "",
        ]
        lines += [*_load_rows(load["phases"]), "", *_ratios(load["phases"]), ""]
        if any(p["sent"] and not p["answered"] for p in load["phases"]):
            lines += [
                "A phase with nothing answered: every turn waited past the turn limit, usually",
                "because the system was still working off the turns an earlier phase gave up on",
                "(the bench now waits for every process to go idle between phases, up to twice",
                "the phase limit).",
                "",
            ]
        lines += [*_plot_load(load["phases"], out), ""]
    if "scale" in results:
        lines += [
            "## Scale-out: 1 and 2 Rasa servers, 1 and 2 app instances (PostgreSQL + Redis)",
            "",
        ]
        lines += [*_scale(results["scale"], out), ""]
    if "faults" in results:
        lines += ["## Faults during load", "", *_faults(results["faults"]), ""]
        lines += [
            "How the counts are made: each turn's text carries its number («статус заявления",
            "1234567890 #4»). A turn is *answered* when Rasa's saved history has its «#k» followed",
            "by the bot's text and that text reached the fake Bot API after the previous turn's",
            "answer; *lost* otherwise; *duplicated* = a «#k» run twice in the history or an answer",
            "delivered more often than the history says; *out of order* = a «#k» saved after a",
            "later one, or an answer delivered before the previous turn's; *answered after «busy»*",
            "= the chat saw the busy notice before the real answer.",
            "",
        ]
    if "soak" in results:
        lines += ["## Soak", "", *_soak(results["soak"], out), ""]
    if "training" in results:
        lines += ["## Training, model load and Rasa's cold start vs training data", ""]
        lines += [*_training(results["training"], out), ""]
    if results.get("profile"):
        lines += ["## Profile of the app", "", "See `bench/PROFILE.md`.", ""]
    readme = out / "README.md"
    readme.write_text("\n".join(lines), encoding="utf-8")
    return readme
