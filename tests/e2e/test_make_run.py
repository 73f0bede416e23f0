"""`make run` as a developer starts it: Rasa and the action server listen on loopback only.

The internal services hold citizens' trackers and answer personal questions, so on a fresh
`make run` nothing but the app may face the network, and the secrets are this checkout's own
(var/secrets.mk), not the development defaults committed in the code.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import DEV_RASA_TOKEN
from tests.support import ROOT, free_port, model_path

pytestmark = pytest.mark.rasa
LISTEN = "0A"
# The test run's own secrets and service addresses: `make run` must make its own.
INHERITED_FROM_TESTS = {
    "RASA_TOKEN",
    "ACTION_SERVER_TOKEN",
    "FACTS_SIGNING_KEY",
    "RASA_URL",
    "ACTION_SERVER_URL",
    "MAKEFLAGS",
    "MAKELEVEL",
}


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a TCP socket listening on `port` (from /proc/net/tcp, tcp6)."""
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == LISTEN and int(hex_port, 16) == port and len(address) == width:
                found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return ".".join(str(b) for b in reversed(raw))
    words = [raw[i : i + 4][::-1].hex() for i in range(0, 16, 4)]
    return ":".join(words)


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    """Wait until the app's /readyz says Rasa and the database answer."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make run exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(1)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    """`make run` on a scratch database and free ports; stopped as Ctrl-C would."""
    tmp_path = tmp_path_factory.mktemp("make-run")
    ports = {"APP_PORT": free_port(), "RASA_PORT": free_port(), "ACTION_SERVER_PORT": free_port()}
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_FROM_TESTS}
    env.update({key: str(value) for key, value in ports.items()})
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    env["RASA_MODEL"] = str(model_path().relative_to(ROOT))
    log = (tmp_path / "make-run.log").open("wb")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_ready(f"http://127.0.0.1:{ports['APP_PORT']}/readyz", process, 300)
        yield ports
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)
        log.close()


def test_make_run_keeps_rasa_and_the_action_server_on_loopback(make_run: dict[str, int]) -> None:
    assert listening_addresses(make_run["RASA_PORT"]) == {"127.0.0.1"}
    assert listening_addresses(make_run["ACTION_SERVER_PORT"]) == {"127.0.0.1"}
    assert listening_addresses(make_run["APP_PORT"]), "the app faces the network"


def test_make_run_uses_secrets_of_its_own_not_the_committed_defaults(
    make_run: dict[str, int],
) -> None:
    status = f"http://127.0.0.1:{make_run['RASA_PORT']}/status?token={DEV_RASA_TOKEN}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(status, timeout=5)
    assert refused.value.code == 401
    secrets = (ROOT / "var" / "secrets.mk").read_text()
    assert "RASA_TOKEN ?= " in secrets
    assert DEV_RASA_TOKEN not in secrets
