"""`make run`: the web server, a Celery worker, the receiver (smpp_listen), the SMPP sandbox and
(by default) an embedded Redis.

Ctrl-C (or SIGTERM) stops every child process.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand

from smsportal import demo, embedded_redis


class Command(BaseCommand):
    help = (
        "Run the portal with everything it needs (web, worker, receiver, sandbox SMSC, "
        "embedded Redis)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.RUNPORTAL_PORT)
        parser.add_argument("--no-sandbox", action="store_true", help="Do not start the SMSC.")

    def handle(self, *args, port, no_sandbox, **options):
        self.children: list[tuple[str, subprocess.Popen]] = []
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
                self.children.append(("redis", embedded_redis.start(socket_path)))
        manage = [sys.executable, "manage.py"]
        if not no_sandbox and "smsc_sandbox" in get_commands():
            # It reads its address and account from the same settings (SMSC_SANDBOX_*).
            self._spawn("sandbox SMSC", [*manage, "smsc_sandbox"])
        self._spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "smsportal",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
            ],
        )
        # Receipts that arrive after the sending bind is gone, and inbound messages.
        self._spawn("receiver", [*manage, "smpp_listen"])
        self._spawn("web", [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"])

    def _spawn(self, name: str, argv: list[str]) -> None:
        self.children.append((name, subprocess.Popen(argv, cwd=settings.BASE_DIR)))

    def _wait_for_web(self, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                time.sleep(1)  # let the worker finish its start-up lines before the banner
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
                "  Press Ctrl-C to stop everything.\n"
            )
        )

    def _watch(self) -> None:
        while True:
            for name, child in self.children:
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with code {child.returncode}; stopping.")
                    return
            time.sleep(0.5)

    def _stop_all(self) -> None:
        for _name, child in reversed(self.children):
            if child.poll() is None:
                child.send_signal(signal.SIGINT if _name != "redis" else signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _name, child in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
