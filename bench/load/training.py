"""Training time, model load time and Rasa's cold start, with 1×, 2× and 4× the NLU examples.

The project's domain, config, stories, rules and NLU data are copied into a temp folder; each
intent example gets (multiple − 1) variants (a polite or conversational prefix/suffix around
the unchanged annotated phrase), so the data grows without exact duplicates. Synonyms, lookups
and regexes are copied as they are. `--quick` trains the NLU part only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.load.options import Options
from bench.load.procs import Service, wait_ready
from bench.load.stack import base_env
from tests.support import RASA_TOKEN, ROOT, free_port

VARIANTS = (("", ", пожалуйста"), ("подскажите, ", ""), ("слушай, ", " срочно"))


def grow(text: str, multiple: int) -> tuple[str, int]:
    """An NLU YAML file with every intent example repeated with variants; (text, examples)."""
    out: list[str] = []
    in_intent = in_examples = False
    examples = 0
    for line in text.splitlines():
        stripped = line.strip()
        if line.startswith("- "):
            in_intent = line.startswith("- intent:")
            in_examples = False
        elif stripped.startswith("examples:"):
            in_examples = in_intent
        out.append(line)
        if in_examples and stripped.startswith("- ") and line.startswith("    "):
            phrase = stripped[2:]
            examples += multiple
            for prefix, suffix in VARIANTS[: multiple - 1]:
                out.append(f"    - {prefix}{phrase}{suffix}")
    return "\n".join(out) + "\n", examples


def project_copy(multiple: int) -> tuple[Path, int]:
    """A temp copy of the project's Rasa data with `multiple`× the intent examples."""
    folder = Path(tempfile.mkdtemp(prefix=f"gp-bench-train-{multiple}x-"))
    for name in ("domain.yml", "config.yml"):
        shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "data", folder / "data")
    examples = 0
    for path in (folder / "data" / "nlu").glob("*.yml"):
        grown, count = grow(path.read_text(encoding="utf-8"), multiple)
        path.write_text(grown, encoding="utf-8")
        examples += count
    return folder, examples


def _run(argv: list[str], cwd: Path, log: Path) -> float:
    started = time.monotonic()
    with log.open("ab") as out:
        subprocess.run(
            argv, cwd=cwd, env=base_env(), stdout=out, stderr=subprocess.STDOUT, check=True
        )
    return time.monotonic() - started


def _first_parse(port: int, deadline_s: float) -> None:
    body = json.dumps({"text": "привет"}).encode()
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/model/parse?token={RASA_TOKEN}",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("no parse answer")


def training(options: Options) -> dict[str, Any]:
    """Train, load and first-answer times per data multiple."""
    logs = options.logs / "training"
    logs.mkdir(parents=True, exist_ok=True)
    rasa = str(ROOT / ".venv-rasa/bin/rasa")
    python = str(ROOT / ".venv-rasa/bin/python")
    import_s = _run([python, "-c", "import rasa.core.agent"], ROOT, logs / "import.log")
    rows = []
    for multiple in options.growth:
        folder, examples = project_copy(multiple)
        try:
            kind = ["train", "nlu"] if options.quick else ["train"]
            train_s = _run(
                [
                    rasa,
                    *kind,
                    "--out",
                    "models",
                    "--fixed-model-name",
                    "bench",
                    "--num-threads",
                    "2",
                ],
                folder,
                logs / f"train-{multiple}x.log",
            )
            model = next((folder / "models").glob("*.tar.gz"))
            port = free_port()
            server = Service(
                name=f"rasa-{multiple}x",
                argv=[
                    rasa,
                    "run",
                    "--enable-api",
                    "--auth-token",
                    RASA_TOKEN,
                    "--port",
                    str(port),
                    "--interface",
                    "127.0.0.1",
                    "--model",
                    str(model),
                ],
                env=base_env(),
                log_path=logs / f"run-{multiple}x.log",
                cwd=folder,
            )
            server.start()
            try:
                assert server.process
                wait_ready(
                    f"http://127.0.0.1:{port}/status?token={RASA_TOKEN}", 900, server.process
                )
                ready_s = time.monotonic() - server.started_at
                _first_parse(port, 300)
                first_s = time.monotonic() - server.started_at
                rss = server.rss()
            finally:
                server.stop()
            row = {
                "multiple": multiple,
                "examples": examples,
                "what": "NLU only" if options.quick else "full (NLU + dialogue)",
                "train_s": round(train_s, 1),
                "serving_s": round(ready_s, 1),
                "model_load_s": round(ready_s - import_s, 1),
                "first_answer_s": round(first_s, 1),
                "rss_mib": round(rss),
                "model_mib": round(model.stat().st_size / 2**20, 1),
            }
            print(f"  training {row}", flush=True)
            rows.append(row)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return {"import_s": round(import_s, 1), "rows": rows}
