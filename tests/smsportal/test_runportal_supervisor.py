"""`make run`'s supervisor, as a real process tree: it prints one admin password that works,
restarts the embedded Redis and the worker when they are killed, and a Test SMS sent afterwards
(web -> Redis -> worker -> sandbox SMSC) is delivered."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from django.conf import settings

from tests.peers.smpp_sink import free_port
from tests.support import wait_until


class Portal:
    def __init__(self, var: Path):
        self.var = var
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.pop("SMSPORTAL_ADMIN_PASSWORD", None)
        env.pop("PYTEST_VERSION", None)
        env |= {
            "SMSPORTAL_VAR_DIR": str(var),
            "SMSPORTAL_EMBEDDED_REDIS_SOCKET": str(var / "redis.sock"),
            "SMSC_SANDBOX_PORT": str(free_port()),
            "SMSPORTAL_TEST_RECEIPT_WAIT": "2",
            "PYTHONUNBUFFERED": "1",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
        self.process = subprocess.Popen(
            [*manage, "runportal", "--port", str(self.port)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.port}"

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            time.sleep(0.2)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))

    def pid_of(self, needle: str) -> int:
        """The process in this portal's tree whose command line holds `needle`."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if needle in cmdline and os.getsid(int(entry.name)) == self.process.pid:
                    return int(entry.name)
            except (OSError, ProcessLookupError):
                continue
        raise AssertionError(f"no process with {needle!r}")

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def _log_in(portal: Portal, password: str) -> requests.Session:
    session = requests.Session()
    login = f"{portal.url}/admin/login/"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(login).text)
    answer = session.post(
        login,
        {
            "username": "admin",
            "password": password,
            "next": "/admin/",
            "csrfmiddlewaretoken": token.group(1),
        },
        headers={"Referer": login},
    )
    assert "Log out" in answer.text or "log out" in answer.text.lower(), "the login failed"
    return session


def _send_test_sms(portal: Portal, session: requests.Session) -> dict:
    """Send test SMS on the demo profile's page; wait for the worker's outcome."""
    page = session.get(f"{portal.url}/admin/profiles/smsprofile/")
    profile_id = re.search(r"/admin/profiles/smsprofile/(\d+)/change/", page.text).group(1)
    url = f"{portal.url}/admin/sending/message/send-test/{profile_id}/"
    form = session.get(url).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = {"csrfmiddlewaretoken": token, "to": "+33612345678", "language": "en"}
    data["data"] = (
        "customer.first_name=Ada\ninvoice.number=F-1\ninvoice.amount=12\ninvoice.due_date=2027-01-01"
    )
    result = session.post(url, data, headers={"Referer": url})
    message_id = re.search(r"/send-test/result/(\d+)/", result.url).group(1)
    status_url = f"{portal.url}/admin/sending/message/send-test/result/{message_id}/status.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = session.get(status_url).json()
        if state["status"] in ("sent", "delivered", "failed"):
            return state
        time.sleep(0.5)
    raise AssertionError(f"the Test SMS stayed {state['status']}")


def test_it_restarts_a_killed_redis_and_worker_and_still_delivers(tmp_path):
    portal = Portal(tmp_path / "var")
    try:
        password = portal.wait_for(r"Password: (\S+)").group(1)
        portal.wait_for("Press Ctrl-C")
        assert sum("password" in line.lower() for line in portal.lines) == 1
        # The terminal ends with the banner: the children's routine output (beat ticks every
        # second, the workers log each task) goes to their logs.
        shown = len(portal.lines)
        logs = portal.var / "log"
        assert wait_until(lambda: "Sending due task" in (logs / "beat.log").read_text(), 30)
        assert wait_until(lambda: "ready." in (logs / "bulk-worker.log").read_text(), 30)
        assert portal.lines[shown - 1].strip() == "Press Ctrl-C to stop everything."
        assert len(portal.lines) == shown, portal.lines[shown:]
        assert password not in "".join(log.read_text() for log in logs.iterdir())
        # Bulk jobs need their own worker and beat (dispatcher, sweeper) beside the default one;
        # the receiver takes the receipts that come after the sending bind is gone.
        for needle in ("worker -Q celery", "worker -Q bulk", "smsportal beat", "smpp_listen"):
            assert portal.pid_of(needle)
        session = _log_in(portal, password)
        assert _send_test_sms(portal, session)["status"] in ("sent", "delivered")

        os.kill(portal.pid_of("redis-server"), signal.SIGKILL)
        portal.wait_for(r"redis exited with code -9; restarting it in 1 s")
        portal.wait_for(r"redis restarted")
        state = _send_test_sms(portal, session)
        assert state["status"] in ("sent", "delivered"), state

        os.kill(portal.pid_of("celery -A smsportal worker"), signal.SIGKILL)
        portal.wait_for(r"worker exited with code -9; restarting it in 1 s")
        portal.wait_for(r"\(all of it: .*/log/(bulk-)?worker\.log\)")  # with its last lines
        portal.wait_for(r"worker restarted")
        state = _send_test_sms(portal, session)
        assert state["status"] in ("sent", "delivered"), state
        assert portal.process.poll() is None
    finally:
        portal.stop()


def test_make_run_prints_one_admin_password():
    """runportal seeds the demo data and prints the password it set; nothing before it may set
    (and print) another one."""
    plan = subprocess.run(
        ["make", "-n", "run"], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    ).stdout
    assert "runportal" in plan and "seed_demo" not in plan
