"""Time from `make run` to the first answer to «привет» in the web chat, and each process's memory.

Usage: .venv/bin/python bench/startup.py [--port 8090]
Runs `make run` on a scratch SQLite database (migrations, demo data and, when the model is
missing, training are included in the time), then stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.texts import text

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def process_tree(root: int) -> list[tuple[int, str]]:
    """(pid, command line) of every descendant of root."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        for child in children.get(pid, []):
            try:
                cmd = (Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")).decode()
            except OSError:
                continue
            found.append((child, cmd))
            stack.append(child)
    return found


async def first_answer(port: int, started: float, deadline: float) -> float:
    """Seconds until the web chat answered «привет» (polls until the app is up).

    A citizen who writes while Rasa is still loading gets the "busy" notice first; that is
    reported, and the clock runs on until the real answer.
    """
    busy = text("assistant_busy")
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                socket = await http.ws_connect(f"http://127.0.0.1:{port}/chat/ws")
            except aiohttp.ClientError:
                await asyncio.sleep(0.5)
                continue
            await socket.receive_json()
            await socket.send_json({"type": "message", "id": "bench1", "text": "привет"})
            while True:
                frame = await socket.receive_json(timeout=deadline - time.monotonic())
                if frame.get("type") != "message" or frame.get("author") != "bot":
                    continue
                if frame["text"] == busy:
                    print(f"busy notice while Rasa loads: {time.monotonic() - started:.1f} s")
                    continue
                print("first answer:", frame["text"][:80].replace("\n", " "))
                await socket.close()
                return time.monotonic()
    raise TimeoutError


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="gp-bench-"))
    env = dict(
        os.environ,
        APP_PORT=str(args.port),
        DATABASE_URL=f"sqlite+aiosqlite:///{scratch / 'bench.db'}",
    )
    started = time.monotonic()
    make = subprocess.Popen(
        ["make", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        answered = asyncio.run(first_answer(args.port, started, started + 900))
        print(f"make run → first answer: {answered - started:.1f} s")
        groups: dict[str, float] = {}
        for pid, cmd in process_tree(make.pid):
            name = (
                "rasa"
                if "rasa run" in cmd
                else "actions"
                if "actions.server" in cmd
                else "app"
                if "-m bot" in cmd
                else None
            )
            if name:
                groups[name] = groups.get(name, 0.0) + rss_mb(pid)
        for name, mb in sorted(groups.items()):
            print(f"RSS {name:8s} {mb:8.0f} MiB")
    finally:
        os.killpg(make.pid, signal.SIGINT)
        make.wait(60)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
