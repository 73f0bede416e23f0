"""Blue/green: start a second Rasa on the new model, wait until it serves, switch, drain, stop.

The publisher owns the Rasa processes it starts (`RASA_MANAGED=1`, docs/publishing.md). The
switch itself is one row (`publishing_serving`) every app instance follows within
`follow_interval_s`; the old Rasa keeps running for `drain_s` so turns already sent to it finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from publishing.settings import PublishSettings, rasa_env

STATUS_POLL_S = 1.0


class RasaDidNotStart(Exception):
    """The new Rasa exited or did not serve the model in time; nothing was switched."""


@dataclass(frozen=True)
class RasaProcess:
    """A Rasa server the publisher started: where it answers and its process id."""

    url: str
    pid: int


def free_port(host: str) -> int:
    """A port nobody listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


async def serves_model(http: aiohttp.ClientSession, url: str, token: str, model: Path) -> bool:
    """Whether the Rasa at `url` answers `/status` with this model file loaded."""
    try:
        async with http.get(
            f"{url}/status", params={"token": token}, timeout=aiohttp.ClientTimeout(total=3)
        ) as response:
            if response.status != 200:
                return False
            status = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return False
    return Path(str(status.get("model_file") or "")).name == model.name


async def start_rasa(
    http: aiohttp.ClientSession, model: Path, settings: PublishSettings, token: str
) -> RasaProcess:
    """Start `rasa run` on `model` at a free loopback port; return once it serves the model."""
    port = free_port(settings.internal_host)
    process = await asyncio.create_subprocess_exec(
        str(settings.rasa_bin),
        "run",
        "--enable-api",
        "--interface",
        settings.internal_host,
        "--port",
        str(port),
        "-m",
        str(model),
        "--auth-token",
        token,
        "--endpoints",
        str(settings.endpoints),
        "--credentials",
        str(settings.credentials),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=rasa_env(),
        start_new_session=True,  # its own group: stopping it never signals the app
    )
    url = f"http://{settings.internal_host}:{port}"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.rasa_start_timeout_s
    while loop.time() < deadline:
        if process.returncode is not None:
            raise RasaDidNotStart(f"rasa exited with {process.returncode}")
        if await serves_model(http, url, token, model):
            return RasaProcess(url, process.pid)
        await asyncio.sleep(STATUS_POLL_S)
    stop_rasa(process.pid)
    raise RasaDidNotStart("timeout")


def stop_rasa(pid: int) -> None:
    """SIGTERM the Rasa process group (Rasa finishes the requests it holds, then exits)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
