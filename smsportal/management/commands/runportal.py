"""`make run`: the web server, Celery workers and beat, the receiver (smpp_listen), the SMPP
sandbox and (by default) an embedded Redis. One worker serves the default queue (Test SMS, the
dispatcher, the sweeper), another the bulk senders, so nothing quick waits behind a bulk job;
beat ticks the dispatcher and the sweeper.

Each child writes to its own log, var/log/<name>.log, so the terminal ends with the banner (URL,
user, password) and then shows only what needs a person: a child that dies (a crash, an OOM
kill, kill -9) is named with the last lines of its log and started again after a back-off of
1, 2, 4 … up to 30 seconds. Ctrl-C (or SIGTERM) stops every child process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand

from smsportal import demo, embedded_redis

RESTART_DELAY = 1.0  # seconds before the first restart of a crashed child; doubles each time
RESTART_DELAY_CAP = 30.0
STABLE_AFTER = 60.0  # a child that ran this long starts again from the first delay
TAIL_LINES = 5  # lines of a dead child's log shown with the news of its exit


@dataclass
class Child:
    """One process the portal needs, and how to start it again when it dies."""

    name: str
    start: Callable[[], subprocess.Popen]
    log: Path | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    failures: int = 0  # crashes in a row, for the back-off
    restart_at: float | None = None

    def launch(self) -> None:
        self.process = self.start()
        self.started_at = time.monotonic()
        self.restart_at = None


class Command(BaseCommand):
    help = (
        "Run the portal with everything it needs (web, worker, receiver, sandbox SMSC, "
        "embedded Redis)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.RUNPORTAL_PORT)
        parser.add_argument("--no-sandbox", action="store_true", help="Do not start the SMSC.")

    def handle(self, *args, port, no_sandbox, **options):
        self.children: list[Child] = []
        self.log_dir = settings.VAR_DIR / "log"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            self._start_all(port, no_sandbox)
            username, password = demo.seed()
            self._wait_for_web(port)
            self._banner(port, username, password)
            self._watch()
        except KeyboardInterrupt:
            pass
        finally:
            self._stop_all()

    def _start_all(self, port: int, no_sandbox: bool) -> None:
        if settings.USES_EMBEDDED_REDIS:
            socket_path = settings.EMBEDDED_REDIS_SOCKET
            if embedded_redis.is_listening(socket_path):
                self.stdout.write(f"Using the embedded Redis already running on {socket_path}")
            else:
                self._add("redis", lambda: embedded_redis.start(socket_path))
        manage = [sys.executable, "manage.py"]
        if not no_sandbox and "smsc_sandbox" in get_commands():
            # It reads its address and account from the same settings (SMSC_SANDBOX_*).
            self._spawn("sandbox SMSC", [*manage, "smsc_sandbox"])
        celery = [sys.executable, "-m", "celery", "-A", "smsportal"]
        self._spawn(
            "worker",
            [*celery, "worker", "-Q", "celery", "-n", "default@%h", "--loglevel", "INFO",
             "--concurrency", "2"],
        )  # fmt: skip
        self._spawn(
            "bulk worker",
            [*celery, "worker", "-Q", "bulk", "-n", "bulk@%h", "--loglevel", "INFO",
             "--concurrency", "2"],
        )  # fmt: skip
        schedule = settings.VAR_DIR / "celerybeat-schedule"
        self._spawn("beat", [*celery, "beat", "--loglevel", "INFO", "--schedule", str(schedule)])
        # Receipts that arrive after the sending bind is gone, and inbound messages.
        self._spawn("receiver", [*manage, "smpp_listen"])
        self._spawn("web", [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"])

    def _add(self, name: str, start: Callable[[], subprocess.Popen], log: Path | None = None):
        child = Child(name, start, log)
        child.launch()
        self.children.append(child)

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = self.log_dir / f"{name.replace(' ', '-')}.log"
        env = dict(os.environ, PYTHONUNBUFFERED="1")  # a crash's last lines reach the log

        def start() -> subprocess.Popen:
            with open(log, "ab") as output:  # the child keeps its own copy of the descriptor
                return subprocess.Popen(
                    argv, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
                )

        self._add(name, start, log)

    def _wait_for_web(self, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)

    def _banner(self, port: int, username: str, password: str) -> None:
        redis = settings.REDIS_URL if not settings.USES_EMBEDDED_REDIS else "embedded"
        self.stdout.write(
            self.style.SUCCESS(
                "\n  smsportal is running\n"
                f"  Admin:    http://127.0.0.1:{port}/admin/\n"
                f"  User:     {username}\n"
                f"  Password: {password}\n"
                f"  Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
                f"   Redis: {redis}"
                f"   Sandbox SMSC: {settings.SMSC_SANDBOX_HOST}:{settings.SMSC_SANDBOX_PORT}\n"
                f"  Logs:     {self.log_dir}/ (web, worker, bulk-worker, beat, receiver, "
                "sandbox-SMSC)\n"
                "  Press Ctrl-C to stop everything.\n"
            )
        )

    def _watch(self) -> None:
        """Restart a child that exited, after a delay that doubles while it keeps crashing."""
        while True:
            now = time.monotonic()
            for child in self.children:
                if child.restart_at is not None:
                    if now >= child.restart_at:
                        self._restart(child)
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                if now - child.started_at >= STABLE_AFTER:
                    child.failures = 0
                delay = min(RESTART_DELAY_CAP, RESTART_DELAY * 2**child.failures)
                child.failures += 1
                child.restart_at = now + delay
                self.stderr.write(
                    f"{child.name} exited with code {code}; restarting it in {delay:g} s."
                    + _tail(child.log)
                )
            time.sleep(0.2)

    def _restart(self, child: Child) -> None:
        try:
            child.launch()
        except Exception as exc:  # e.g. redis-server did not listen: try again later
            delay = min(RESTART_DELAY_CAP, RESTART_DELAY * 2**child.failures)
            child.failures += 1
            child.restart_at = time.monotonic() + delay
            self.stderr.write(f"{child.name} did not start ({exc}); trying again in {delay:g} s.")
            return
        child.restarts += 1
        pid = child.process.pid
        self.stdout.write(f"{child.name} restarted (pid {pid}, restart {child.restarts}).")

    def _stop_all(self) -> None:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in reversed(running):
            child.process.send_signal(signal.SIGINT if child.name != "redis" else signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in running:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()


def _tail(log: Path | None) -> str:
    """The last lines of a child's log, indented, with the log's path."""
    if log is None or not log.exists():
        return ""
    with open(log, "rb") as output:
        output.seek(max(0, output.seek(0, os.SEEK_END) - 4096))
        lines = output.read().decode("utf-8", "replace").splitlines()[-TAIL_LINES:]
    return "".join(f"\n    {line}" for line in lines) + f"\n  (all of it: {log})"
