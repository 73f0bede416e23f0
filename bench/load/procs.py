"""Processes the bench starts and measures: CPU seconds and resident memory of a process tree."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        found.setdefault(ppid, []).append(int(entry.name))
    return found


def tree(root: int) -> list[int]:
    """The process and all its descendants."""
    children = _children()
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack.extend(children.get(pid, []))
    return pids


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (from /proc/<pid>/stat), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid: int) -> float:
    """Resident memory of one process in MiB, 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Service:
    """One started process (in its own process group) that the bench can measure, kill, restart."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    cwd: Path
    ready_url: str | None = None
    process: subprocess.Popen[bytes] | None = None
    cpu_base: float = 0.0  # CPU of earlier incarnations (a restart starts the counter anew)
    started_at: float = 0.0
    extra_pids: list[int] = field(default_factory=list)

    def start(self, wait_s: float = 300.0) -> float:
        """Start; wait up to `wait_s` until `ready_url` answers 200. Returns the seconds it took."""
        self.started_at = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.ready_url and wait_s > 0:  # 0: the caller waits (e.g. for several at once)
            wait_ready(self.ready_url, wait_s, self.process)
        return time.monotonic() - self.started_at

    @property
    def pid(self) -> int:
        """The leader's pid (0 before start)."""
        return self.process.pid if self.process else 0

    def alive(self) -> bool:
        """True while the leader runs."""
        return self.process is not None and self.process.poll() is None

    def cpu(self) -> float:
        """CPU seconds of the whole tree, every incarnation counted."""
        if not self.alive():
            return self.cpu_base
        return self.cpu_base + sum(cpu_seconds(p) for p in tree(self.pid))

    def rss(self) -> float:
        """Resident MiB of the whole tree."""
        return sum(rss_mib(p) for p in tree(self.pid)) if self.alive() else 0.0

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Signal the process group and reap it (what a crash or `kill` does)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.cpu_base = self.cpu()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        self.kill(signal.SIGTERM)


def wait_ready(url: str, timeout_s: float, process: subprocess.Popen[bytes] | None) -> None:
    """Poll `url` until 200; raise if the process exits or time runs out."""
    import urllib.request  # noqa: PLC0415 - stdlib, only here

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(url)
